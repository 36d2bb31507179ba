import { Context } from '@temporalio/activity';
import type { SyncCounts } from './sync-pages.js';

/*
 * The worker's own sync counters, created on the running activity's metric meter so they come out of the SDK's
 * Prometheus endpoint beside its metrics, tagged with namespace, task queue and activity type. They count what
 * this worker did (a retried step counts again); sync_log, which the API's /metrics summarises, is the record.
 */

type Ending = 'completed' | 'failed' | 'cancelled';

const OPERATIONS: ReadonlyArray<keyof SyncCounts> = ['fetched', 'inserted', 'updated', 'merged', 'deleted'];

/** Records of one stored page, by what happened to them. */
export function countStoredRecords(vendor: string, resource: string, counts: SyncCounts): void {
  const counter = Context.current().metricMeter.createCounter(
    'sync_records',
    'records',
    'Records of stored sync pages: fetched from the vendor, then inserted, updated, merged or deleted here',
  );
  for (const operation of OPERATIONS) {
    if (counts[operation] > 0) counter.add(counts[operation], { vendor, resource, operation });
  }
}

/** One sync pass that ended (the workflow's begin/finish/fail steps). */
export function countSyncEnding(vendor: string, resource: string, status: Ending): void {
  Context.current()
    .metricMeter.createCounter('sync_runs', 'syncs', 'Sync passes that ended, by how: completed, failed or cancelled')
    .add(1, { vendor, resource, status });
}

/** A vendor call of a page that failed (retried by Temporal unless the failure type says otherwise). */
export function countPageFailure(vendor: string, resource: string, failureType: string): void {
  Context.current()
    .metricMeter.createCounter('sync_page_failures', 'failures', 'Failed vendor calls of sync pages, by failure type')
    .add(1, { vendor, resource, failure_type: failureType });
}
