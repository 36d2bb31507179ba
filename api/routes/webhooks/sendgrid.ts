import type { Context, Next } from 'koa';
import { isVendorError } from '../../../integrations/core/errors.js';
import { IDEMPOTENCY_KEY_ARG, parseEventBatch } from '../../../integrations/sendgrid/payloads.js';
import {
  messageStatusUpdateOf,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySendgridSignature,
} from '../../../integrations/sendgrid/webhook.js';
import { workflowIds } from '../../../temporal/workflow-ids.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validated, type JsonSchema } from '../../validation.js';
import { takeWebhookEvents, type IncomingEvent } from './inbox.js';
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
      const batch = validated<unknown[]>(ctx, 'body');
      let events: ReturnType<typeof parseEventBatch>;
      try {
        events = parseEventBatch(batch);
      } catch (error) {
        if (!isVendorError(error)) throw error;
        throw new AppError('validation_failed', 400, error.message);
      }
      type Event = (typeof events)[number];
      const messageKeyOf = (event: Event) => `${event.messageId ?? ''}|${event.idempotencyKey ?? ''}`;
      const messageIds = new Map<string, Promise<string | null>>();
      const messageOf = (event: Event): Promise<string | null> => {
        const lookup = messageKeyOf(event);
        let found = messageIds.get(lookup);
        if (!found) {
          found = outboundMessageId(deps, {
            connectionId,
            vendorId: event.messageId ? { sendgridId: event.messageId } : null,
            idempotencyKey: event.idempotencyKey,
          });
          messageIds.set(lookup, found);
        }
        return found;
      };
      const incoming: IncomingEvent[] = events.map((event, index) => ({
        eventId: event.eventId,
        eventType: event.event,
        payload: batch[index],
        // A message's reports must reach its workflow in the order they happened.
        orderKey: messageKeyOf(event),
        async handOff() {
          const update = messageStatusUpdateOf(event);
          if (!update) return [];
          const messageId = await messageOf(event);
          if (!messageId) {
            deps.logger.warn(
              { requestId: ctx.state.requestId, vendor: 'sendgrid', eventId: event.eventId, event: event.event },
              'webhook: status report for a message we do not know',
            );
            return [];
          }
          await reportMessageStatus(deps, { id: messageId, vendor: 'sendgrid' }, update);
          return [workflowIds.message(messageId)];
        },
      }));
      await takeWebhookEvents(deps, ctx, { vendor: 'sendgrid', source: 'sendgrid' }, incoming);
      ctx.status = 204;
    },
  };
}
