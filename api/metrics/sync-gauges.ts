import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { RECORD_OPERATIONS, RUN_ENDINGS, summarizeSyncLog, type SyncLogSummary } from './sync-log-summary.js';

/** Scrapes within this long share one read: several Prometheus replicas cost the database one query pair. */
const SUMMARY_TTL_MS = 5_000;
/** A scrape does not wait longer than this on PostgreSQL; the HTTP series still go out. */
const SUMMARY_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sync_log summary took over ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The summary at most SUMMARY_TTL_MS old, or null when the database could not give one (logged). */
function cachedSummary(orm: MikroORM, logger: Logger): () => Promise<SyncLogSummary | null> {
  let cached: { at: number; summary: Promise<SyncLogSummary | null> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > SUMMARY_TTL_MS) {
      const summary = withTimeout(summarizeSyncLog(orm), SUMMARY_TIMEOUT_MS).catch((error: unknown) => {
        logger.warn({ err: error }, 'metrics: could not read the sync_log summary');
        return null;
      });
      cached = { at: Date.now(), summary };
    }
    return cached.summary;
  };
}

/**
 * Sync gauges read from sync_log when scraped. The worker counts what it does too (its own endpoint), but only what
 * that worker did since it started; these come from the one shared table, so every API instance reports the same
 * values (aggregate them with max, not sum) and a restart loses nothing.
 */
export function registerSyncGauges(registry: Registry, orm: MikroORM, logger: Logger): void {
  const summary = cachedSummary(orm, logger);
  new Gauge({
    name: 'sync_records_last_hour',
    help: 'Records synced in the last hour (sync_log page rows): fetched from the vendor, and inserted, updated, merged or deleted here',
    labelNames: ['vendor', 'resource', 'operation'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const series of (await summary())?.records ?? []) {
        for (const operation of RECORD_OPERATIONS) {
          this.set({ vendor: series.vendor, resource: series.resource, operation }, series[operation]);
        }
      }
    },
  });
  new Gauge({
    name: 'sync_runs_last_hour',
    help: 'Syncs that ended in the last hour (sync_log), by how they ended: completed, failed or cancelled',
    labelNames: ['vendor', 'resource', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const series of (await summary())?.runs ?? []) {
        for (const status of RUN_ENDINGS) {
          this.set({ vendor: series.vendor, resource: series.resource, status }, series[status]);
        }
      }
    },
  });
  new Gauge({
    name: 'sync_last_completed_timestamp_seconds',
    help: 'When the last sync of this vendor and resource completed (Unix time); absent until one has',
    labelNames: ['vendor', 'resource'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const series of (await summary())?.lastCompleted ?? []) {
        if (series.at !== null) this.set({ vendor: series.vendor, resource: series.resource }, series.at);
      }
    },
  });
}
