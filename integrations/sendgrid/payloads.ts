import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';

/** The custom_args key that carries our idempotency key; SendGrid copies custom args onto every event. */
export const IDEMPOTENCY_KEY_ARG = 'idempotency_key';

/** One Event Webhook event, in our terms. */
export interface EmailEvent {
  /** SendGrid's event id: the dedupe key for redelivered batches. */
  eventId: string;
  event: string;
  email: string;
  /** The X-Message-Id of the send (the event's `sg_message_id` without its `.filter…` suffix). */
  messageId: string | null;
  occurredAt: string;
  /** Our send's key, from custom_args (top-level keys of the event). */
  idempotencyKey: string | null;
  reason: string | null;
}

/** `sg_message_id` is the X-Message-Id plus `.filter…` naming the MTA [vendor-facts §6.1]. */
export function messageIdOf(sgMessageId: string): string {
  return sgMessageId.split('.')[0]!;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Parses an Event Webhook body (a JSON array of events); call only after the signature was verified. */
export function parseEventBatch(body: unknown): EmailEvent[] {
  if (!Array.isArray(body)) throw new VendorError(VENDOR, 'validation', 'event webhook body is not an array');
  return body.map((raw: Record<string, unknown>) => {
    const eventId = text(raw?.sg_event_id);
    const event = text(raw?.event);
    const timestamp = Number(raw?.timestamp);
    if (!eventId || !event || !Number.isFinite(timestamp)) {
      throw new VendorError(VENDOR, 'validation', 'event without sg_event_id, event or timestamp');
    }
    const sgMessageId = text(raw.sg_message_id);
    return {
      eventId,
      event,
      email: text(raw.email) ?? '',
      messageId: sgMessageId ? messageIdOf(sgMessageId) : null,
      occurredAt: new Date(timestamp * 1000).toISOString(),
      idempotencyKey: text(raw[IDEMPOTENCY_KEY_ARG]),
      reason: text(raw.reason) ?? text(raw.response),
    };
  });
}
