import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { invalidateDashboard } from '../db/dashboard-generation.js';
import { SyncLog } from '../db/entities/sync-log.js';
import type { VendorConnection } from '../db/entities/vendor-connection.js';
import { recordSyncStep } from '../db/repositories/sync-log.js';
import { markDeleted, storeRecords } from '../db/repositories/vendor-records.js';
import type { ChangePage, Page, SyncResource } from '../integrations/core/records.js';
import type { ServiceClient } from '../integrations/core/service-client.js';
import type { RefreshOutcome } from './connection-tokens.js';
import type { ActivityDeps } from './deps.js';
import {
  connectionClient,
  FULL_LISTING_VIA_CHANGES,
  loadConnection,
  stepOf,
  type SyncMode,
  type SyncStep,
} from './sync-context.js';
import { announceSyncedRecords } from './sync-announcements.js';
import { countPageFailure, countStoredRecords } from './sync-metrics.js';
import { vendorStep } from './vendor-failures.js';

export interface SyncPagesInput {
  connectionId: string;
  resource: SyncResource;
  mode: SyncMode;
  /** 1-based number of the first page this call fetches, within this sync. */
  page: number;
  cursor?: string;
  /** Incremental: where the last pass ended. */
  checkpoint?: string;
  /** Pages per call (default 20): fewer Temporal round trips, each page still its own transaction. */
  maxPages?: number;
}

export interface SyncCounts {
  fetched: number;
  inserted: number;
  updated: number;
  merged: number;
  deleted: number;
}

export interface SyncPagesResult extends SyncCounts {
  /** Pages stored by this call (including ones an earlier attempt stored). */
  pages: number;
  nextCursor: string | null;
  /** The checkpoint the vendor gave with the last page of a change feed. */
  checkpoint: string | null;
}

/** Stop taking pages after this long, so a call stays well inside its timeout and the workflow sees progress. */
const CALL_BUDGET_MS = 20_000;
const DEFAULT_MAX_PAGES = 20;

interface StoredPageMetadata extends SyncCounts {
  page: number;
  nextCursor: string | null;
  checkpoint: string | null;
}

export function emptyCounts(): SyncCounts {
  return { fetched: 0, inserted: 0, updated: 0, merged: 0, deleted: 0 };
}

/** Whether stored pages changed anything the dashboard shows (a page of unchanged records does not). */
export function changedRecords(counts: SyncCounts): boolean {
  return counts.inserted + counts.updated + counts.merged + counts.deleted > 0;
}

function addCounts(into: SyncCounts, from: SyncCounts): void {
  for (const key of Object.keys(into) as Array<keyof SyncCounts>) into[key] += from[key] ?? 0;
}

/** The page rows an earlier attempt of this very activity committed: where a retry picks up. */
async function pagesStoredBefore(em: EntityManager, step: SyncStep): Promise<StoredPageMetadata[]> {
  const rows = await em.find(SyncLog, {
    workflowId: step.workflowId,
    runId: step.runId,
    step: 'page_stored',
    activityId: { $like: `${step.activityId}:page:%` },
  });
  return rows.map((row) => row.metadata as unknown as StoredPageMetadata).sort((a, b) => a.page - b.page);
}

export function createPageSync(deps: ActivityDeps) {
  const { orm, credentials, events, vendors, redis } = deps;
  /**
   * Runs a vendor call; when it fails, leaves a sync_log row saying why and whether Temporal will try again
   * (`retry`, with the vendor's delay when it gave one) or not (`page_failed`), then rethrows for Temporal.
   */
  async function logAttemptFailure<T>(step: SyncStep, operation: string, page: number, call: () => Promise<T>) {
    try {
      return await vendorStep(call);
    } catch (error) {
      const failure = error instanceof ApplicationFailure ? error : null;
      const { attempt } = Context.current().info;
      countPageFailure(step.service, step.resourceType, failure?.type ?? 'unknown');
      await recordSyncStep(orm.em.fork(), {
        ...step,
        activityId: `${step.activityId}:attempt:${attempt}:page:${page}`,
        operation,
        step: failure?.nonRetryable ? 'page_failed' : 'retry',
        status: 'failed',
        errorMessage: error instanceof Error ? error.message : String(error),
        metadata: {
          page,
          attempt,
          type: failure?.type ?? 'unknown',
          ...(failure?.nextRetryDelay !== undefined ? { retryAfter: failure.nextRetryDelay } : {}),
        },
      }).catch(() => false); // the log must not hide the vendor's failure
      throw error;
    }
  }

  /** Fetches one page and stores it with its sync_log row (which carries the next cursor) in one transaction. */
  async function syncOnePage(
    connection: VendorConnection,
    client: ServiceClient,
    step: SyncStep,
    input: SyncPagesInput,
  ): Promise<StoredPageMetadata> {
    const operation = `sync_${input.mode}`;
    const viaChanges = input.mode === 'incremental' || FULL_LISTING_VIA_CHANGES[connection.vendor];
    const size = vendors.pageSize ? { pageSize: vendors.pageSize } : {};
    const cursor = input.cursor ? { cursor: input.cursor } : {};
    const page: Page<unknown> | ChangePage<unknown> = await logAttemptFailure(step, operation, input.page, () =>
      viaChanges
        ? client.changes(input.resource, {
            ...cursor,
            ...(input.mode === 'incremental' && input.checkpoint ? { checkpoint: input.checkpoint } : {}),
            ...size,
          })
        : client.list(input.resource, { ...cursor, ...size }),
    );
    const deletedIds: string[] = 'deletedIds' in page ? (page.deletedIds as string[]) : [];
    const now = new Date();
    const committed = await orm.em.fork().transactional(async (tx) => {
      const result = await storeRecords(tx, connection.vendor, input.resource, page.items as never[], {
        connectionId: connection.id,
        syncedAt: now,
      });
      const deleted = await markDeleted(tx, connection.vendor, input.resource, deletedIds, now);
      const metadata: StoredPageMetadata = {
        page: input.page,
        fetched: page.items.length,
        inserted: result.inserted,
        updated: result.updated,
        merged: result.merged,
        deleted,
        nextCursor: page.nextCursor,
        checkpoint: 'checkpoint' in page ? (page.checkpoint as string | null) : null,
      };
      await recordSyncStep(tx, {
        ...step,
        activityId: `${step.activityId}:page:${input.page}`,
        operation,
        step: 'page_stored',
        status: 'succeeded',
        metadata: { ...metadata, matches: result.decisions.filter((d) => d.matchedBy !== 'external_id') },
      });
      return { metadata, decisions: result.decisions };
    });
    const stored = committed.metadata;
    countStoredRecords(connection.vendor, input.resource, stored);
    await events.publish('sync.progress', {
      connectionId: input.connectionId,
      resource: input.resource,
      mode: input.mode,
      workflowId: step.workflowId,
      phase: 'page',
      page: input.page,
      fetched: stored.fetched,
    });
    await announceSyncedRecords(deps, {
      vendor: connection.vendor,
      resource: input.resource,
      mode: input.mode,
      externalIds: (page.items as Array<{ externalId: string }>).map((item) => item.externalId),
      decisions: committed.decisions,
    });
    return stored;
  }

  /**
   * Fetches and stores up to `maxPages` pages (or as many as fit in the call's time budget). Safe to repeat: a retry
   * resumes after the last page an earlier attempt committed (the cursor is in that page's log row), rows are
   * upserted on the vendor id, so at most the page in flight when a worker died is fetched twice.
   */
  async function storePages(input: SyncPagesInput): Promise<SyncPagesResult> {
    const context = Context.current();
    const heartbeat = setInterval(() => context.heartbeat(), 2_000);
    try {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const step = stepOf(input, connection.vendor);
      const logRefresh = async (outcome: RefreshOutcome) => {
        await recordSyncStep(orm.em.fork(), {
          ...step,
          activityId: `${step.activityId}:refresh:${Date.now()}`,
          operation: `sync_${input.mode}`,
          step: 'token_refresh',
          status: outcome.kind === 'revoked' ? 'failed' : 'succeeded',
          metadata: { ...outcome },
        });
      };
      const client = connectionClient({ orm, credentials, vendors, events }, connection, logRefresh);
      const result: SyncPagesResult = {
        ...emptyCounts(),
        pages: 0,
        nextCursor: input.cursor ?? null,
        checkpoint: null,
      };
      let page = input.page;
      for (const stored of await pagesStoredBefore(em, step)) {
        addCounts(result, stored);
        Object.assign(result, {
          pages: result.pages + 1,
          nextCursor: stored.nextCursor,
          checkpoint: stored.checkpoint,
        });
        page = stored.page + 1;
      }
      const deadline = Date.now() + CALL_BUDGET_MS;
      const maxPages = input.maxPages ?? DEFAULT_MAX_PAGES;
      while ((result.pages === 0 || result.nextCursor) && result.pages < maxPages && Date.now() < deadline) {
        // Cancellation reaches a running activity through its heartbeats; stop between pages, never inside one.
        if (context.cancellationSignal.aborted) throw new CancelledFailure('the sync was cancelled');
        let stored: StoredPageMetadata;
        try {
          stored = await syncOnePage(connection, client, step, {
            ...input,
            page,
            ...(result.nextCursor ? { cursor: result.nextCursor } : {}),
          });
        } catch (error) {
          // Pages are already stored: hand them over and let the next call retry this one. Throttling mid-call then
          // costs one attempt of a fresh call, not attempts of a call that has been making progress all along.
          if (result.pages > 0 && error instanceof ApplicationFailure && !error.nonRetryable) return result;
          throw error;
        }
        addCounts(result, stored);
        Object.assign(result, {
          pages: result.pages + 1,
          nextCursor: stored.nextCursor,
          checkpoint: stored.checkpoint,
        });
        page += 1;
        context.heartbeat();
      }
      return result;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /*
   * Cached dashboard answers go stale once per call (a batch of pages), not per page: one INCR and one PUBLISH
   * however many pages the call stored. A retry that finds earlier attempts' pages counts them again, so a batch
   * whose invalidation failed is invalidated by its retry.
   */
  async function syncPages(input: SyncPagesInput): Promise<SyncPagesResult> {
    const result = await storePages(input);
    if (changedRecords(result)) {
      const { workflowExecution } = Context.current().info;
      await invalidateDashboard(redis, { scope: 'sync', id: workflowExecution?.workflowId ?? 'standalone' });
    }
    return result;
  }

  return { syncPages };
}
