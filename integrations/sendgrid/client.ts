import { Client } from '@sendgrid/client';
import type { ClientRequest } from '@sendgrid/client/src/request.js';
import type { MailContent } from '@sendgrid/helpers/classes/mail.js';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { VendorError } from '../core/errors.js';
import { toVendorError, VENDOR } from './errors.js';
import { activityQuery, parseActivityMessages } from './activity.js';
import { IDEMPOTENCY_KEY_ARG, messageIdOf } from './payloads.js';

export interface SendgridClientOptions {
  /** An API key (`SG.…`) with the `mail.send` scope: what a SendGrid connection stores as its access token. */
  apiKey: string;
  /** Default `https://api.sendgrid.com`; the sandbox's base URL in tests. */
  endpointUrl?: string;
  /** Per-request timeout (axios has none by default). Default 15 s. */
  timeoutMs?: number;
}

export interface EmailSend {
  /** Our business id for this send (e.g. the message row's id): sent as custom_args, echoed on every event. */
  idempotencyKey: string;
  to: string;
  from: { email: string; name?: string };
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
}

export interface AcceptedEmail {
  /** SendGrid's X-Message-Id: events name it (with a suffix) in `sg_message_id`. */
  messageId: string;
}

export interface FindSentEmail {
  /** The key the send carried in custom_args. */
  idempotencyKey: string;
  /** Only messages whose last event is at or after this time (e.g. when the send was first queued). */
  notBefore?: Date;
}

export interface SendgridClient {
  /** 202 means queued, not delivered [vendor-facts §6]; delivery shows up on the Event Webhook. */
  sendEmail(send: EmailSend): Promise<AcceptedEmail>;
  /**
   * The send an earlier sendEmail with this key made, from SendGrid's Email Activity feed; null if none. The feed
   * fills a few seconds after SendGrid accepts a send, so a null right after a crash is not proof that nothing
   * went out: call it on a retry (Temporal's backoff gives the feed time), not straight after a failed send. It
   * needs the paid Email Activity add-on and a key with `email_activity.read`, and allows 6 requests a minute.
   */
  findSent(query: FindSentEmail): Promise<AcceptedEmail | null>;
}

/** Rows per lookup: one send makes a row per recipient, and ours have one recipient. */
const ACTIVITY_LIMIT = 10;

export function createSendgridClient(options: SendgridClientOptions): SendgridClient {
  const client = new Client();
  // setApiKey resets baseUrl to the real host, so the override comes after it [vendor-facts §0].
  client.setApiKey(options.apiKey);
  if (options.endpointUrl) client.setDefaultRequest('baseUrl', `${options.endpointUrl.replace(/\/+$/, '')}/`);
  // The default request is handed to axios as is (whose default is no timeout at all); the typings omit `timeout`.
  client.setDefaultRequest({ timeout: options.timeoutMs ?? 15_000 } as Partial<ClientRequest> as ClientRequest);
  const mail = new MailService();
  mail.setClient(client);

  return {
    async sendEmail(send) {
      const content: MailContent[] = [
        ...(send.text !== undefined ? [{ type: 'text/plain', value: send.text }] : []),
        ...(send.html !== undefined ? [{ type: 'text/html', value: send.html }] : []),
      ];
      if (content.length === 0) throw new VendorError(VENDOR, 'validation', 'an email needs text or html');
      const data: MailDataRequired = {
        to: send.to,
        from: send.from,
        ...(send.replyTo ? { replyTo: send.replyTo } : {}),
        subject: send.subject,
        content: content as MailContent[] & { 0: MailContent },
        customArgs: { [IDEMPOTENCY_KEY_ARG]: send.idempotencyKey },
      };
      let response;
      try {
        [response] = await mail.send(data);
      } catch (error) {
        throw toVendorError(error);
      }
      const messageId = (response.headers as Record<string, unknown>)['x-message-id'];
      if (typeof messageId !== 'string' || messageId === '') {
        throw new VendorError(VENDOR, 'transient', `accepted (${response.statusCode}) without X-Message-Id`);
      }
      return { messageId };
    },

    async findSent(query) {
      let body: unknown;
      try {
        [, body] = await client.request({
          method: 'GET',
          url: '/v3/messages',
          qs: { query: activityQuery(query.idempotencyKey, query.notBefore), limit: ACTIVITY_LIMIT },
        });
      } catch (error) {
        throw toVendorError(error);
      }
      // One row per recipient, all carrying the send's X-Message-Id in front of their own suffix.
      const [first] = parseActivityMessages(body);
      return first ? { messageId: messageIdOf(first.msgId) } : null;
    },
  };
}
