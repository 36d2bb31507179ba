import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';
import { IDEMPOTENCY_KEY_ARG } from './payloads.js';

/*
 * SendGrid's Email Activity API (`GET /v3/messages`, "Filter all messages"): how we find a send again by the key it
 * carried in custom_args. The query language calls custom args `unique_args` (Query Reference, "Getting Started
 * with the Email Activity Feed API"); the reply is `{ messages: [{ from_email, msg_id, subject, to_email, status,
 * opens_count, clicks_count, last_event_time }] }` (twilio/sendgrid-oai, tsg_email_activity_v3.yaml).
 */

/** One row of the feed, in our terms. */
export interface ActivityMessage {
  /** The per-recipient id (`<X-Message-Id>.filter…`), as events name it in `sg_message_id`. */
  msgId: string;
  toEmail: string;
  /** `processed`, `delivered` or `not_delivered`. */
  status: string;
  lastEventTime: string;
}

/** How far past now the time window reaches, so a clock behind SendGrid's cannot hide a fresh row. */
const WINDOW_END_MARGIN_MS = 24 * 60 * 60 * 1000;

/** ISO-8601 in whole seconds: the feed's times carry no milliseconds. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

/**
 * The query for the rows of the send keyed `idempotencyKey`, optionally only those whose last event is at or after
 * `notBefore`. Values sit inside double quotes; the Query Reference documents no escape, so a key that would need
 * one is refused (ours are business ids: letters, digits and dashes).
 */
export function activityQuery(idempotencyKey: string, notBefore?: Date, now = Date.now()): string {
  if (!idempotencyKey || /["\\\p{Cc}]/u.test(idempotencyKey)) {
    throw new VendorError(VENDOR, 'validation', 'idempotency key must be non-empty, without quotes or backslashes');
  }
  const byKey = `unique_args['${IDEMPOTENCY_KEY_ARG}']="${idempotencyKey}"`;
  if (!notBefore) return byKey;
  // Floored to the second, so a send in the same second as notBefore is not cut off by the feed's coarser clock.
  const from = wholeSeconds(notBefore.getTime());
  const to = wholeSeconds(now + WINDOW_END_MARGIN_MS);
  return `${byKey} AND last_event_time BETWEEN TIMESTAMP "${from}" AND TIMESTAMP "${to}"`;
}

function malformed(what: string): VendorError {
  return new VendorError(VENDOR, 'transient', `malformed Email Activity reply: ${what}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export function parseActivityMessages(body: unknown): ActivityMessage[] {
  if (!isObject(body) || !Array.isArray(body.messages)) throw malformed('no messages array');
  return body.messages.map((row: unknown) => {
    if (!isObject(row) || typeof row.msg_id !== 'string' || row.msg_id === '') throw malformed('a row without msg_id');
    return {
      msgId: row.msg_id,
      toEmail: typeof row.to_email === 'string' ? row.to_email : '',
      status: typeof row.status === 'string' ? row.status : '',
      lastEventTime: typeof row.last_event_time === 'string' ? row.last_event_time : '',
    };
  });
}
