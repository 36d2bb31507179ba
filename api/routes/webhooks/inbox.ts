import type { Context } from 'koa';
import type { WebhookSender } from '../../../db/entities/enums.js';
import {
  claimWebhookEvents,
  markWebhookEventsFailed,
  markWebhookEventsHandedOff,
} from '../../../db/repositories/webhook-events.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { noteWebhookOutcome } from '../../metrics/webhook-outcomes.js';

/** One event of a verified, validated delivery, and how to hand it to its workflow(s). */
export interface IncomingEvent {
  /** The vendor's event or delivery id, stable across redeliveries (or a digest of what identifies the event). */
  eventId: string;
  eventType: string | null;
  payload: unknown;
  /**
   * Signals or starts the event's workflow(s) and returns their ids; none when the event asks for nothing. It must be
   * safe to run again for the same event (signal-with-start and business-key workflow ids make it so): a failed or
   * stalled hand-off is repeated on the vendor's redelivery.
   */
  handOff(inboxId: string): Promise<string[]>;
  /** Events with the same key are handed off in delivery order (one message's status reports); others in parallel. */
  orderKey?: string;
}

export interface IntakeResult {
  /** Events handed to workflows now. */
  accepted: number;
  /** Events this source had already delivered (counted, not acted on again). */
  duplicates: number;
}

/** Request headers worth keeping with an event (signatures, retry counters); credentials never are. */
const WITHHELD_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key']);

function keptHeaders(ctx: Context): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (WITHHELD_HEADERS.has(name) || value === undefined) continue;
    kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 1000);
  }
  return kept;
}

/** The events of one batch grouped by order key, first appearance first; unkeyed events are groups of one. */
function orderGroups<T extends { event: IncomingEvent }>(items: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  items.forEach((item, index) => {
    const key = item.event.orderKey ?? `#${index}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  });
  return [...groups.values()];
}

/**
 * The receivers' common path after the signature and input checks: persist, hand off, answer. Every event is
 * stored in `webhook_events` first (the dedupe: see `claimWebhookEvents`), then each claimed one is handed to its
 * workflow(s) and its row says so. When a hand-off fails, its row is marked `failed` and the request answers 503,
 * so the vendor redelivers and the redelivery claims it again; events handed off before the failure stay handed off.
 */
export async function takeWebhookEvents(
  deps: AppDeps,
  ctx: Context,
  sender: { vendor: WebhookSender; source: string },
  events: readonly IncomingEvent[],
): Promise<IntakeResult> {
  const unique = [...new Map(events.map((event) => [event.eventId, event])).values()];
  const em = deps.orm.em.fork();
  const claims = await claimWebhookEvents(em, { ...sender, headers: keptHeaders(ctx) }, unique);
  const byEventId = new Map(unique.map((event) => [event.eventId, event]));
  const claimed = claims
    .filter((claim) => claim.claimed)
    .map((claim) => ({ rowId: claim.rowId, event: byEventId.get(claim.eventId)! }));

  const handedOff: Array<{ rowId: string; workflowIds: string[] }> = [];
  const failed: Array<{ rowId: string; error: unknown }> = [];
  await Promise.all(
    orderGroups(claimed).map(async (group) => {
      for (const [index, { rowId, event }] of group.entries()) {
        try {
          handedOff.push({ rowId, workflowIds: await event.handOff(rowId) });
        } catch (error) {
          // Later events of the group wait for the redelivery, so their order still holds.
          failed.push(...group.slice(index).map((item) => ({ rowId: item.rowId, error })));
          return;
        }
      }
    }),
  );
  await markWebhookEventsHandedOff(em, handedOff);
  const duplicates = unique.length - claimed.length + (events.length - unique.length);
  const counts = { accepted: handedOff.length, duplicates, failed: failed.length };
  if (failed.length > 0) {
    noteWebhookOutcome(ctx, { outcome: 'handoff_failed', ...counts });
    const first = failed[0]!.error;
    const reason = first instanceof Error ? first.message : String(first);
    await markWebhookEventsFailed(
      em,
      failed.map((item) => item.rowId),
      reason,
    );
    deps.logger.error(
      { err: first, requestId: ctx.state.requestId, source: sender.source, failed: failed.length },
      'webhook: could not hand events to their workflows; the vendor will redeliver',
    );
    const error = new AppError('webhook_handoff_failed', 503, 'The event could not be processed now; retry later');
    error.headers = { 'Retry-After': '10' };
    throw error;
  }
  const outcome = claimed.length > 0 ? 'accepted' : duplicates > 0 ? 'duplicate' : 'empty';
  noteWebhookOutcome(ctx, { outcome, ...counts });
  return { accepted: claimed.length, duplicates };
}
