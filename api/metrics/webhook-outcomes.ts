import type { Context } from 'koa';
import { WEBHOOK_SENDERS } from '../../db/entities/enums.js';

/** What a receiver decided about one delivery, for `webhook_deliveries_total` and `webhook_events_total`. */
export interface WebhookNote {
  /**
   * The receivers' own words: a refusal reason (`signature_mismatch`, `stale_timestamp`, `api_key_revoked`, …),
   * or `accepted` / `duplicate` / `empty` / `handoff_failed` from the inbox.
   */
  outcome: string;
  /** Events handed to workflows now. */
  accepted?: number;
  /** Events already delivered before. */
  duplicates?: number;
  /** Events whose hand-off failed (the vendor redelivers them). */
  failed?: number;
}

declare module 'koa' {
  interface DefaultState {
    /** Set by the webhook receivers (inbox.ts, verification.ts); read when the response has gone out. */
    webhook?: WebhookNote;
  }
}

export function noteWebhookOutcome(ctx: Context, note: WebhookNote): void {
  ctx.state.webhook = note;
}

const RECEIVERS_PREFIX = '/api/webhooks/';
const SENDERS: ReadonlySet<string> = new Set(WEBHOOK_SENDERS);

/**
 * The sender of a webhook route (`/api/webhooks/jobber` → jobber, `/api/webhooks/custom/:source` → custom), or null
 * when the route is not a receiver. Read from the route template, never the path, so a flood of invented paths or
 * custom source names adds no label values.
 */
export function webhookSenderOf(route: string): string | null {
  if (!route.startsWith(RECEIVERS_PREFIX)) return null;
  const sender = route.slice(RECEIVERS_PREFIX.length).split('/')[0] ?? '';
  return SENDERS.has(sender) ? sender : null;
}

/** Outcomes of deliveries no receiver got to judge: refused earlier in the pipeline, or answered without a note. */
function outcomeOfStatus(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 413) return 'too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status >= 500) return 'error';
  if (status >= 200 && status < 300) return 'acknowledged';
  return `http_${status}`;
}

/** The delivery's outcome: the receiver's note, else what the status says. */
export function deliveryOutcome(ctx: Context, status: number): string {
  return ctx.state.webhook?.outcome ?? outcomeOfStatus(status);
}
