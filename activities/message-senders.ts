import { ApplicationFailure } from '@temporalio/activity';
import type { MessageChannel, Vendor } from '../db/entities/enums.js';
import type { SentVendorIds } from '../db/repositories/messages.js';
import type { TokenSource } from '../integrations/core/tokens.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActionClients } from './action-clients.js';
import type { ConnectionRef, ConnectionSecrets } from './vendor-clients.js';

/** What a send needs of its message row. */
export interface OutboundMessage {
  id: string;
  channel: MessageChannel;
  toAddress: string | null;
  subject: string | null;
  body: string;
  slackChannel: string | null;
  /** Slack: the thread to reply in. Gmail: the thread to continue. */
  vendorThreadId: string | null;
  /** When the first attempt began: the earliest moment the vendor can have a record of this send. */
  sendStartedAt: Date;
  /** A job document to post with the message (Slack). */
  document: { name: string; content: Buffer } | null;
}

/** How a send went: the vendor's ids, its first status word, and whether posting it already delivered it. */
export interface SendOutcome {
  ids: SentVendorIds;
  vendorStatus: string;
  /** Slack and Gmail send no delivery reports: their acceptance is the delivery. */
  deliveredOnSend: boolean;
}

export interface SenderContext {
  connection: ConnectionRef;
  secrets: ConnectionSecrets;
  tokens: TokenSource;
  clients: ActionClients;
  /** Where vendors post status reports (Twilio's StatusCallback); absent, SMS stays `sent`. */
  publicBaseUrl?: string;
}

/**
 * One vendor's way of sending and of finding an earlier send of the same message again. `find` runs before any
 * repeated vendor call, so a crash between the vendor accepting and our database recording it never sends twice.
 */
export interface MessageSender {
  find(message: OutboundMessage): Promise<SendOutcome | null>;
  send(message: OutboundMessage): Promise<SendOutcome>;
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined || value === '') {
    throw ApplicationFailure.nonRetryable(`the message has no ${what}`, failureTypes.vendorValidation);
  }
  return value;
}

function twilioSender({ connection, secrets, clients, publicBaseUrl }: SenderContext): MessageSender {
  const twilio = clients.twilio(connection, secrets);
  const sender = secrets.sender ?? {};
  if (!sender.phoneNumber && !sender.messagingServiceSid) {
    throw ApplicationFailure.nonRetryable('the Twilio connection has no sender number', failureTypes.vendorValidation);
  }
  const outcome = (sms: { sid: string; from: string | null; status: string }): SendOutcome => ({
    ids: { twilioSid: sms.sid, ...(sms.from ? { fromAddress: sms.from } : {}) },
    vendorStatus: sms.status,
    deliveredOnSend: false,
  });
  return {
    async find(message) {
      const found = await twilio.findSent({
        to: required(message.toAddress, 'recipient'),
        body: message.body,
        notBefore: message.sendStartedAt,
      });
      return found ? outcome(found) : null;
    },
    async send(message) {
      const sms = await twilio.sendSms({
        idempotencyKey: message.id,
        to: required(message.toAddress, 'recipient'),
        body: message.body,
        ...(sender.messagingServiceSid
          ? { messagingServiceSid: sender.messagingServiceSid }
          : { from: sender.phoneNumber as string }),
        ...(publicBaseUrl ? { statusCallbackUrl: new URL('/api/webhooks/twilio', publicBaseUrl).href } : {}),
      });
      return outcome(sms);
    },
  };
}

function sendgridSender({ secrets, clients }: SenderContext): MessageSender {
  const sendgrid = clients.sendgrid(secrets);
  const from = required(secrets.sender?.email, 'sender address (the SendGrid connection has none)');
  const outcome = (messageId: string): SendOutcome => ({
    ids: { sendgridId: messageId, fromAddress: from },
    vendorStatus: 'accepted',
    deliveredOnSend: false,
  });
  return {
    async find(message) {
      const found = await sendgrid.findSent({ idempotencyKey: message.id, notBefore: message.sendStartedAt });
      return found ? outcome(found.messageId) : null;
    },
    async send(message) {
      const accepted = await sendgrid.sendEmail({
        idempotencyKey: message.id,
        to: required(message.toAddress, 'recipient'),
        from: { email: from, ...(secrets.sender?.name ? { name: secrets.sender.name } : {}) },
        subject: message.subject ?? '',
        text: message.body,
      });
      return outcome(accepted.messageId);
    },
  };
}

function slackSender({ secrets, clients }: SenderContext): MessageSender {
  const slack = clients.slack(secrets);
  const outcome = (posted: { ts: string; threadTs: string | null }): SendOutcome => ({
    ids: { slackTs: posted.ts, ...(posted.threadTs ? { vendorThreadId: posted.threadTs } : {}) },
    vendorStatus: 'posted',
    deliveredOnSend: true,
  });
  const where = (message: OutboundMessage) => ({
    channel: required(message.slackChannel, 'Slack channel'),
    ...(message.vendorThreadId ? { threadTs: message.vendorThreadId } : {}),
  });
  return {
    async find(message) {
      if (message.document) {
        const found = await slack.findUploadedFile({
          ...where(message),
          idempotencyKey: message.id,
          oldest: message.sendStartedAt,
        });
        return found ? outcome(found) : null;
      }
      const found = await slack.findSent({
        ...where(message),
        idempotencyKey: message.id,
        oldest: message.sendStartedAt,
      });
      return found ? outcome(found) : null;
    },
    async send(message) {
      if (message.document) {
        // Slack shares an upload asynchronously: the share message's ts is not known yet (findUploadedFile has it).
        await slack.uploadFile({
          ...where(message),
          idempotencyKey: message.id,
          filename: message.document.name,
          data: message.document.content,
          title: message.document.name,
        });
        return { ids: {}, vendorStatus: 'file_shared', deliveredOnSend: true };
      }
      return outcome(await slack.sendMessage({ ...where(message), text: message.body, idempotencyKey: message.id }));
    },
  };
}

/** Gmail, when email goes through the Google connection: no delivery reports, so Gmail's acceptance delivers it. */
function gmailSender({ secrets, tokens, clients }: SenderContext): MessageSender {
  const gmail = clients.gmail(secrets, tokens);
  const outcome = (sent: { id: string; threadId: string }): SendOutcome => ({
    ids: { gmailMessageId: sent.id, vendorThreadId: sent.threadId },
    vendorStatus: 'sent',
    deliveredOnSend: true,
  });
  return {
    async find(message) {
      const found = await gmail.findSent({ idempotencyKey: message.id });
      return found ? outcome(found) : null;
    },
    async send(message) {
      const sent = await gmail.sendEmail({
        idempotencyKey: message.id,
        to: required(message.toAddress, 'recipient'),
        subject: message.subject ?? '',
        text: message.body,
        ...(message.vendorThreadId ? { threadId: message.vendorThreadId } : {}),
      });
      return outcome(sent);
    },
  };
}

const SENDERS: Partial<Record<Vendor, (context: SenderContext) => MessageSender>> = {
  twilio: twilioSender,
  sendgrid: sendgridSender,
  slack: slackSender,
  google: gmailSender,
};

export function messageSender(vendor: Vendor, context: SenderContext): MessageSender {
  const build = SENDERS[vendor];
  if (!build) throw ApplicationFailure.nonRetryable(`${vendor} cannot send messages`, failureTypes.vendorValidation);
  return build(context);
}
