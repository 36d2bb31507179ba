import type { Context, Next } from 'koa';
import { isVendorError } from '../../../integrations/core/errors.js';
import { SMS_STATUSES, type SmsStatusUpdate } from '../../../integrations/twilio/payloads.js';
import {
  classifyTwilioWebhook,
  EMPTY_TWIML,
  formValue,
  messageStatusUpdateOf,
  parseFormBody,
  signedUrlOf,
  verifyTwilioSignature,
  type InboundSms,
  type TwilioFormParams,
} from '../../../integrations/twilio/webhook.js';
import { workflowIds } from '../../../temporal/workflow-ids.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { bodyChecker, type ObjectSchema } from '../../validation.js';
import { readFormBody } from './form-body.js';
import { takeWebhookEvents } from './inbox.js';
import { outboundMessageId, recordInboundMessage, reportMessageStatus } from './message-reports.js';
import { refuseWebhook, verifiedRequests, webhookKeys } from './verification.js';

/** The StatusCallback URL's query: the idempotency key our send put there (integrations/twilio/payloads.ts). */
export const twilioQuery = {
  type: 'object',
  properties: { idempotencyKey: { type: 'string', minLength: 1, maxLength: 100 } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

const sid = { type: 'string', pattern: '^[A-Z]{2}[0-9a-fA-F]{32}$' } as const;
const status = { type: 'string', enum: SMS_STATUSES } as const;

/**
 * The form fields we read, checked once the signature holds. Twilio sends many more (FromCity, NumMedia,
 * MediaUrl0, …) and adds new ones over time, so other fields are accepted as long as they are text. Which of the
 * SID and status pairs is present is checked where they are read (`classifyTwilioWebhook`).
 */
const twilioForm = {
  type: 'object',
  properties: {
    AccountSid: { type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' },
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: status,
    SmsStatus: status,
    From: { type: 'string', maxLength: 100 },
    To: { type: 'string', maxLength: 100 },
    Body: { type: 'string', maxLength: 10_000 },
    ErrorCode: { type: 'string', pattern: '^[0-9]{1,6}$' },
  },
  required: ['AccountSid'],
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
} as const;

const formIssues = bodyChecker(twilioForm);

/** `POST /api/webhooks/twilio`: status callbacks of our sends and texts customers send us [vendor-facts §5.4]. */
export function twilioReceiver(deps: AppDeps) {
  const keysOf = webhookKeys(deps);
  const verified = verifiedRequests<{ connectionId: string; params: TwilioFormParams; signedUrl: string }>();

  async function receiveText(connectionId: string, sms: InboundSms, receivedAt: Date): Promise<string[]> {
    const workflowId = await recordInboundMessage(deps, {
      vendor: 'twilio',
      channel: 'sms',
      connectionId,
      vendorMessageId: sms.messageSid,
      from: sms.from,
      to: sms.to,
      body: sms.body,
      receivedAt: receivedAt.toISOString(),
    });
    return [workflowId];
  }

  async function applyStatusCallback(
    ctx: Context,
    connectionId: string,
    callback: SmsStatusUpdate,
    receivedAt: Date,
  ): Promise<string[]> {
    const update = messageStatusUpdateOf(callback, receivedAt);
    if (!update) return [];
    const messageId = await outboundMessageId(deps, {
      connectionId,
      vendorId: { twilioSid: callback.messageSid },
      idempotencyKey: callback.idempotencyKey,
    });
    if (messageId) {
      await reportMessageStatus(deps, { id: messageId, vendor: 'twilio' }, update);
      return [workflowIds.message(messageId)];
    }
    deps.logger.warn(
      { requestId: ctx.state.requestId, vendor: 'twilio', messageSid: callback.messageSid, status: callback.status },
      'webhook: status report for a message we do not know',
    );
    return [];
  }

  return {
    /**
     * Reads the form and checks `X-Twilio-Signature` with the auth token of the account the form names, over the
     * URL Twilio was given (our public origin plus the path and query as received).
     */
    async verify(ctx: Context, next: Next): Promise<void> {
      const params = parseFormBody(await readFormBody(ctx, deps.config.bodyLimit));
      const signature = ctx.get('X-Twilio-Signature');
      if (!signature) return refuseWebhook(deps, ctx, 'twilio', 'missing_signature');
      const accountSid = formValue(params, 'AccountSid');
      const keys = accountSid ? await keysOf('twilio', accountSid) : [];
      if (keys.length === 0) return refuseWebhook(deps, ctx, 'twilio', 'unknown_account');
      const signedUrl = signedUrlOf(deps.config.publicBaseUrl, ctx.originalUrl);
      const key = keys.find(({ secrets }) => verifyTwilioSignature(secrets.accessToken, signature, signedUrl, params));
      if (!key) return refuseWebhook(deps, ctx, 'twilio', 'signature_mismatch');
      verified.set(ctx, { connectionId: key.connectionId, params, signedUrl });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      const { connectionId, params, signedUrl } = verified.get(ctx);
      const issues = formIssues(params);
      if (issues.length > 0) throw new AppError('validation_failed', 400, 'Request validation failed', issues);
      let webhook: ReturnType<typeof classifyTwilioWebhook>;
      try {
        webhook = classifyTwilioWebhook(signedUrl, params);
      } catch (error) {
        if (!isVendorError(error)) throw error;
        throw new AppError('validation_failed', 400, error.message);
      }
      const receivedAt = new Date();
      // Twilio's ids: one inbound text per MessageSid, one status callback per MessageSid and status.
      const event =
        webhook.kind === 'inbound'
          ? {
              eventId: `sms:${webhook.sms.messageSid}`,
              eventType: 'inbound_sms',
              handOff: () => receiveText(connectionId, webhook.sms, receivedAt),
            }
          : {
              eventId: `status:${webhook.callback.messageSid}:${webhook.callback.status}`,
              eventType: `status.${webhook.callback.status}`,
              handOff: () => applyStatusCallback(ctx, connectionId, webhook.callback, receivedAt),
            };
      await takeWebhookEvents(deps, ctx, { vendor: 'twilio', source: 'twilio' }, [{ ...event, payload: params }]);
      // Empty TwiML: no auto-reply to an inbound text, and a 200 Twilio does not retry.
      ctx.type = 'text/xml';
      ctx.body = EMPTY_TWIML;
    },
  };
}
