import type { MikroORM } from '@mikro-orm/postgresql';
import { SYNC_CATALOG } from '../../temporal/sync-catalog.js';

/** The window of the `*_last_hour` gauges. */
export const SUMMARY_WINDOW = '1 hour';

/** What `page_stored` rows count (their metadata), in the order of the `operation` label. */
export const RECORD_OPERATIONS = ['fetched', 'inserted', 'updated', 'merged', 'deleted'] as const;
/** The sync_log steps that end a sync, used as the `status` label. */
export const RUN_ENDINGS = ['completed', 'failed', 'cancelled'] as const;

export type RecordOperation = (typeof RECORD_OPERATIONS)[number];
export type RunEnding = (typeof RUN_ENDINGS)[number];

export interface SyncSeries {
  vendor: string;
  resource: string;
}

export interface SyncLogSummary {
  /** Records stored by syncs within the window, per operation. */
  records: Array<SyncSeries & Record<RecordOperation, number>>;
  /** Syncs that ended within the window, per ending. */
  runs: Array<SyncSeries & Record<RunEnding, number>>;
  /** Every (vendor, resource) a connection syncs, with its last completed sync (seconds since the epoch) if any. */
  lastCompleted: Array<SyncSeries & { at: number | null }>;
}

interface WindowRow {
  vendor: string;
  resource: string;
  step: string;
  rows: string;
  fetched: string;
  inserted: string;
  updated: string;
  merged: string;
  deleted: string;
}

/*
 * Reads through the (service, created_at) index: a bounded window of the vendors' rows, never the whole history.
 * Sync rows only (operation sync_full / sync_incremental): message deliveries log under vendor names too.
 */
const WINDOW_QUERY = `
  select service as vendor, resource_type as resource, step, count(*) as rows,
         coalesce(sum((metadata->>'fetched')::bigint), 0) as fetched,
         coalesce(sum((metadata->>'inserted')::bigint), 0) as inserted,
         coalesce(sum((metadata->>'updated')::bigint), 0) as updated,
         coalesce(sum((metadata->>'merged')::bigint), 0) as merged,
         coalesce(sum((metadata->>'deleted')::bigint), 0) as deleted
    from sync_log
   where service in (?) and created_at >= now() - interval '${SUMMARY_WINDOW}'
     and operation in ('sync_full', 'sync_incremental')
     and step in ('page_stored', 'completed', 'failed', 'cancelled')
     and resource_type is not null
   group by service, resource_type, step`;

/*
 * One short backward scan of the (connection_id, step, created_at) partial index per connection and resource: the
 * newest completed row of a resource is among a connection's last few completions.
 */
const LAST_COMPLETED_QUERY = `
  select c.vendor, r.resource, max(extract(epoch from last.created_at))::float8 as at
    from vendor_connections c
    join (select * from unnest(?::text[], ?::text[])) as r(vendor, resource) on r.vendor = c.vendor
    left join lateral (
      select l.created_at from sync_log l
       where l.connection_id = c.id and l.step = 'completed' and l.resource_type = r.resource
       order by l.created_at desc
       limit 1
    ) last on true
   group by c.vendor, r.resource`;

const CATALOG_PAIRS = Object.entries(SYNC_CATALOG).flatMap(([vendor, resources]) =>
  resources.map((resource) => ({ vendor, resource })),
);

/** A PostgreSQL array literal of catalog names (plain words: nothing to quote). */
function textArray(values: readonly string[]): string {
  return `{${values.join(',')}}`;
}

function seriesKey({ vendor, resource }: SyncSeries): string {
  return `${vendor}\u0000${resource}`;
}

/**
 * What sync_log says about recent syncs. Every series a connection syncs is present (zero when idle), so a graph
 * or an alert on it does not see a series vanish between syncs.
 */
export async function summarizeSyncLog(orm: MikroORM): Promise<SyncLogSummary> {
  const connection = orm.em.fork().getConnection();
  const [windowRows, lastRows] = await Promise.all([
    connection.execute<WindowRow[]>(WINDOW_QUERY, [Object.keys(SYNC_CATALOG)]),
    connection.execute<Array<SyncSeries & { at: number | null }>>(LAST_COMPLETED_QUERY, [
      textArray(CATALOG_PAIRS.map((pair) => pair.vendor)),
      textArray(CATALOG_PAIRS.map((pair) => pair.resource)),
    ]),
  ]);
  const records = new Map<string, SyncLogSummary['records'][number]>();
  const runs = new Map<string, SyncLogSummary['runs'][number]>();
  const ensure = (series: SyncSeries) => {
    const key = seriesKey(series);
    if (!records.has(key)) {
      records.set(key, { ...series, fetched: 0, inserted: 0, updated: 0, merged: 0, deleted: 0 });
      runs.set(key, { ...series, completed: 0, failed: 0, cancelled: 0 });
    }
    return { records: records.get(key)!, runs: runs.get(key)! };
  };
  for (const row of lastRows) ensure(row);
  for (const row of windowRows) {
    const entry = ensure(row);
    if (row.step === 'page_stored') {
      for (const operation of RECORD_OPERATIONS) entry.records[operation] += Number(row[operation]);
    } else {
      entry.runs[row.step as RunEnding] += Number(row.rows);
    }
  }
  return {
    records: [...records.values()],
    runs: [...runs.values()],
    lastCompleted: lastRows.map((row) => ({ vendor: row.vendor, resource: row.resource, at: row.at ?? null })),
  };
}
