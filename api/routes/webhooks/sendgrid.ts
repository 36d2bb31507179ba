import type { Context, Next } from 'koa';
import { isVendorError } from '../../../integrations/core/errors.js';
import { IDEMPOTENCY_KEY_ARG, parseEventBatch } from '../../../integrations/sendgrid/payloads.js';
import {
  messageStatusUpdateOf,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySendgridSignature,
} from '../../../integrations/sendgrid/webhook.js';
import type { MessageStatusUpdate } from '../../../workflows/message-signals.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validated, type JsonSchema } from '../../validation.js';
import { outboundMessageId, reportMessageStatus } from './message-reports.js';
import { refuseWebhook, verifiedRequests, webhookKeys } from './verification.js';

const text = { type: 'string', maxLength: 10_000 } as const;

/**
 * An Event Webhook batch [vendor-facts §6.1]: a JSON array of events. Custom args arrive as top-level keys and
 * SendGrid adds fields over time, so each event names the fields we read and accepts any others.
 */
export const sendgridBody = {
  type: 'array',
  maxItems: 100_000,
  items: {
    type: 'object',
    properties: {
      sg_event_id: { type: 'string', minLength: 1, maxLength: 200 },
      sg_message_id: { type: 'string', maxLength: 500 },
      event: { type: 'string', minLength: 1, maxLength: 50 },
      timestamp: { type: 'integer', minimum: 0 },
      email: text,
      reason: text,
      response: text,
      [IDEMPOTENCY_KEY_ARG]: { type: 'string', maxLength: 100 },
    },
    required: ['sg_event_id', 'event', 'timestamp'],
    additionalProperties: {},
  },
} as const satisfies JsonSchema;

/** `POST /api/webhooks/sendgrid`: delivery events of the emails we send. */
export function sendgridReceiver(deps: AppDeps) {
  const keysOf = webhookKeys(deps);
  const verified = verifiedRequests<{ connectionId: string }>();

  return {
    /**
     * Checks the ECDSA signature over the raw body with the verification key of each SendGrid connection (events
     * do not name the account they belong to; there is normally one).
     */
    async verify(ctx: Context, next: Next): Promise<void> {
      const signature = ctx.get(SIGNATURE_HEADER);
      const timestamp = ctx.get(TIMESTAMP_HEADER);
      if (!signature || !timestamp) return refuseWebhook(deps, ctx, 'sendgrid', 'missing_signature');
      const keys = (await keysOf('sendgrid')).filter(({ secrets }) => secrets.webhook?.publicKey);
      if (keys.length === 0) return refuseWebhook(deps, ctx, 'sendgrid', 'no_verification_key');
      // The app's body parser keeps the exact text of every JSON body it parsed; anything else has none.
      const rawBody = ctx.request.rawBody ?? '';
      const key = keys.find(({ secrets }) =>
        verifySendgridSignature(secrets.webhook!.publicKey!, rawBody, signature, timestamp),
      );
      if (!key) return refuseWebhook(deps, ctx, 'sendgrid', 'signature_mismatch');
      verified.set(ctx, { connectionId: key.connectionId });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      const { connectionId } = verified.get(ctx);
      let events: ReturnType<typeof parseEventBatch>;
      try {
        events = parseEventBatch(validated<unknown>(ctx, 'body'));
      } catch (error) {
        if (!isVendorError(error)) throw error;
        throw new AppError('validation_failed', 400, error.message);
      }
      // Reports per message, in batch order: a message's reports must reach its workflow in the order they happened.
      const reports = new Map<string, MessageStatusUpdate[]>();
      const found = new Map<string, string | null>();
      for (const event of events) {
        const update = messageStatusUpdateOf(event);
        if (!update) continue;
        const lookup = `${event.messageId ?? ''}|${event.idempotencyKey ?? ''}`;
        if (!found.has(lookup)) {
          const messageId = await outboundMessageId(deps, {
            connectionId,
            vendorId: event.messageId ? { sendgridId: event.messageId } : null,
            idempotencyKey: event.idempotencyKey,
          });
          found.set(lookup, messageId);
          if (!messageId) {
            deps.logger.warn(
              { requestId: ctx.state.requestId, vendor: 'sendgrid', eventId: event.eventId, event: event.event },
              'webhook: status report for a message we do not know',
            );
          }
        }
        const messageId = found.get(lookup);
        if (messageId) reports.set(messageId, [...(reports.get(messageId) ?? []), update]);
      }
      await Promise.all(
        [...reports].map(async ([id, updates]) => {
          for (const update of updates) await reportMessageStatus(deps, { id, vendor: 'sendgrid' }, update);
        }),
      );
      ctx.status = 204;
    },
  };
}
