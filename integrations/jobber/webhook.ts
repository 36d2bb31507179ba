import { createHash } from 'node:crypto';
import { base64HmacSha256Matches } from '../core/hmac-signature.js';
import type { SyncResource } from '../core/records.js';

/*
 * Jobber's webhooks [vendor-facts §1.5]: pure functions, no I/O, so the API can use them without the client.
 */

export const SIGNATURE_HEADER = 'X-Jobber-Hmac-SHA256';

/** `X-Jobber-Hmac-SHA256`: base64(HMAC-SHA256(key = the app's OAuth client secret, message = the raw body)). */
export const jobberSignatureMatches = base64HmacSha256Matches;

/** The body's one event. Apps created before 2023-12-08 get the misspelled `occuredAt`. */
export interface JobberWebhookBody {
  data: {
    webHookEvent: {
      topic: string;
      appId: string;
      accountId: string;
      itemId: string;
      occurredAt?: string;
      occuredAt?: string;
    };
  };
}

export interface JobberWebhookEvent {
  topic: string;
  accountId: string;
  itemId: string;
  occurredAt: string | null;
  /**
   * Jobber sends no event id, and redelivers the same body: the digest of what the event says (topic, account, item,
   * time) is its id.
   */
  eventId: string;
}

export function jobberWebhookEventOf(body: JobberWebhookBody): JobberWebhookEvent {
  const { topic, accountId, itemId, occurredAt, occuredAt } = body.data.webHookEvent;
  const at = occurredAt ?? occuredAt ?? null;
  const eventId = createHash('sha256')
    .update(JSON.stringify([topic, accountId, itemId, at]))
    .digest('base64url');
  return { topic, accountId, itemId, occurredAt: at, eventId };
}

const RESOURCE_OF_TOPIC_PREFIX: Readonly<Record<string, SyncResource>> = {
  CLIENT: 'customers',
  JOB: 'jobs',
  QUOTE: 'quotes',
  INVOICE: 'invoices',
};

/**
 * What an event asks of us: an incremental sync of the resource its item belongs to (the payload carries no data,
 * the sync reads the item), a health check when the app was disconnected (which finds the dead grant and marks the
 * connection), or nothing.
 */
export function jobberWebhookAction(
  topic: string,
): { kind: 'sync'; resource: SyncResource } | { kind: 'check_connection' } | null {
  if (topic === 'APP_DISCONNECT') return { kind: 'check_connection' };
  const resource = RESOURCE_OF_TOPIC_PREFIX[topic.split('_', 1)[0]!];
  return resource ? { kind: 'sync', resource } : null;
}
