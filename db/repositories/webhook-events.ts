import type { EntityManager } from '@mikro-orm/postgresql';
import type { WebhookSender } from '../entities/enums.js';

/** One event of a verified delivery, as the inbox stores it. */
export interface WebhookEventRecord {
  eventId: string;
  eventType: string | null;
  payload: unknown;
}

/** Where a delivery came from, and what of its request is kept for operators. */
export interface WebhookDelivery {
  vendor: WebhookSender;
  /** The vendor's name, or `custom:<name>`. */
  source: string;
  headers: Record<string, string>;
}

/** The inbox's answer for one event: `claimed` events are the caller's to hand to their workflows. */
export interface WebhookEventClaim {
  rowId: string;
  eventId: string;
  claimed: boolean;
}

/**
 * How long a `received` row may wait for its hand-off before a redelivery may take it over: the request that stored
 * it died between the insert and the signal (and so never answered, which is why the vendor redelivers).
 */
export const STALLED_AFTER_SECONDS = 30;

/**
 * Stores the events of one delivery in a single statement and claims the ones to act on: events never seen, and
 * events whose earlier hand-off failed or stalled. Events already handed off (or being handed off by a concurrent
 * request) only count one more delivery, so a redelivery or duplicate starts nothing twice. A claimed row's
 * `updated_at` is set to this statement's `now()`, which is how the RETURNING tells a claim from a mere count.
 */
export async function claimWebhookEvents(
  em: EntityManager,
  delivery: WebhookDelivery,
  events: readonly WebhookEventRecord[],
): Promise<WebhookEventClaim[]> {
  if (events.length === 0) return [];
  const reclaimable = `webhook_events.status = 'failed' or (webhook_events.status = 'received'
    and webhook_events.updated_at < now() - interval '${STALLED_AFTER_SECONDS} seconds')`;
  const rows = await em.getConnection().execute<Array<{ id: string; event_id: string; claimed: boolean }>>(
    `insert into webhook_events (vendor, source, event_id, event_type, signature_valid, payload, headers, status)
     select ?, ?, e.event_id, e.event_type, true, e.payload, ?::jsonb, 'received'
       from jsonb_to_recordset(?::jsonb) as e(event_id text, event_type text, payload jsonb)
     on conflict (source, event_id) do update set
       deliveries = webhook_events.deliveries + 1,
       headers = case when ${reclaimable} then excluded.headers else webhook_events.headers end,
       error = case when ${reclaimable} then null else webhook_events.error end,
       updated_at = case when ${reclaimable} then now() else webhook_events.updated_at end,
       status = case when ${reclaimable} then 'received' else webhook_events.status end
     returning id, event_id, (updated_at = now()) as claimed`,
    [
      delivery.vendor,
      delivery.source,
      JSON.stringify(delivery.headers),
      JSON.stringify(events.map((event) => ({ ...event, event_id: event.eventId, event_type: event.eventType }))),
    ],
    'all',
  );
  return rows.map((row) => ({ rowId: row.id, eventId: row.event_id, claimed: row.claimed }));
}

/** Records the hand-off of claimed events: `processed` with the workflows they went to, or `ignored` with none. */
export async function markWebhookEventsHandedOff(
  em: EntityManager,
  outcomes: ReadonlyArray<{ rowId: string; workflowIds: readonly string[] }>,
): Promise<void> {
  if (outcomes.length === 0) return;
  await em.getConnection().execute(
    `update webhook_events w set
       status = case when cardinality(o.workflow_ids) > 0 then 'processed' else 'ignored' end,
       workflow_ids = o.workflow_ids, processed_at = now(), error = null, updated_at = now()
     from (select (x->>'rowId')::uuid as id, array(select jsonb_array_elements_text(x->'workflowIds')) as workflow_ids
             from jsonb_array_elements(?::jsonb) as x) o
     where w.id = o.id`,
    [JSON.stringify(outcomes)],
  );
}

/** Marks claimed events whose hand-off failed: the vendor's redelivery claims them again. */
export async function markWebhookEventsFailed(
  em: EntityManager,
  rowIds: readonly string[],
  error: string,
): Promise<void> {
  if (rowIds.length === 0) return;
  await em
    .getConnection()
    .execute(`update webhook_events set status = 'failed', error = ?, updated_at = now() where id = any(?::uuid[])`, [
      error.slice(0, 2000),
      `{${rowIds.join(',')}}`,
    ]);
}
