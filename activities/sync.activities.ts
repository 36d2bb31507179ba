import { log } from '@temporalio/activity';
import type { SyncResource } from '../integrations/core/records.js';
import { invalidateDashboard } from '../db/dashboard-generation.js';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import { recordSyncStep } from '../db/repositories/sync-log.js';
import { reconcileDeletions } from '../db/repositories/vendor-records.js';
import type { PassRequest } from '../workflows/sync-signals.js';
import type { ActivityDeps } from './deps.js';
import { connectionClient, FULL_LISTING_VIA_CHANGES, loadConnection, stepOf, type SyncMode } from './sync-context.js';
import { countSyncEnding } from './sync-metrics.js';
import { changedRecords, createPageSync, type SyncCounts } from './sync-pages.js';
import { vendorStep } from './vendor-failures.js';

export type { SyncMode } from './sync-context.js';
export type { SyncCounts, SyncPagesInput, SyncPagesResult } from './sync-pages.js';

export interface SyncStart {
  vendor: string;
  /** Incremental: the stored checkpoint (absent → the workflow does a full sync). Full: a checkpoint taken now. */
  checkpoint: string | null;
  startedAt: string;
}

export interface FinishSyncInput {
  connectionId: string;
  resource: SyncResource;
  mode: SyncMode;
  checkpoint: string | null;
  startedAt: string;
  totals: SyncCounts;
}

/**
 * The steps of a sync: begin (checkpoint), pages (sync-pages.ts), finish (deletions, checkpoint), fail. Each logs
 * one line through the activity logger, which adds the workflow id, run id and activity: with the API's
 * "workflow started" line, that follows one sync from the request that asked for it to its end.
 */
export function createSyncActivities(deps: ActivityDeps) {
  const { orm, events, redis } = deps;
  return {
    ...createPageSync(deps),

    /** Reads where the last pass ended (incremental), or takes the starting checkpoint of a full sync. */
    async beginSync(input: {
      connectionId: string;
      resource: SyncResource;
      mode: SyncMode;
      /** The signals this pass answers (webhooks naming changed records, schedules). */
      requests?: PassRequest[];
    }): Promise<SyncStart> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const startedAt = new Date().toISOString();
      const step = stepOf(input, connection.vendor);
      let checkpoint: string | null = connection.syncCursors[input.resource] ?? null;
      if (input.mode === 'full') {
        checkpoint = null;
        if (!FULL_LISTING_VIA_CHANGES[connection.vendor]) {
          const client = connectionClient(deps, connection, async () => undefined);
          checkpoint = (await vendorStep(() => client.changes(input.resource, {}))).checkpoint;
        }
      }
      await recordSyncStep(em, {
        ...step,
        operation: `sync_${input.mode}`,
        step: 'started',
        status: 'started',
        metadata: { checkpoint, ...(input.requests?.length ? { requests: input.requests } : {}) },
      });
      await events.publish('sync.progress', { ...input, phase: 'started', workflowId: step.workflowId });
      log.info('sync started', { vendor: connection.vendor, resource: input.resource, mode: input.mode });
      return { vendor: connection.vendor, checkpoint, startedAt };
    },

    /** Reconciles deletions after a full listing, stores the checkpoint for the next pass, and logs completion. */
    async finishSync(input: FinishSyncInput): Promise<{ deleted: number }> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const step = stepOf(input, connection.vendor);
      const deleted = await em.transactional(async (tx) => {
        const reconciled =
          input.mode === 'full'
            ? await reconcileDeletions(tx, connection.vendor, input.resource, new Date(input.startedAt))
            : 0;
        const live = await tx.findOneOrFail(VendorConnection, { id: input.connectionId });
        if (input.checkpoint) live.syncCursors = { ...live.syncCursors, [input.resource]: input.checkpoint };
        live.lastSyncedAt = new Date();
        await recordSyncStep(tx, {
          ...step,
          operation: `sync_${input.mode}`,
          step: 'completed',
          status: 'succeeded',
          metadata: { ...input.totals, reconciledDeletions: reconciled, checkpoint: input.checkpoint },
        });
        await tx.flush();
        return reconciled;
      });
      // After the commit, so no dashboard recomputed on the event can read the sync's state from before it.
      if (deleted > 0 || changedRecords(input.totals)) {
        await invalidateDashboard(redis, { scope: 'sync', id: step.workflowId });
      }
      await events.publish('sync.completed', {
        connectionId: input.connectionId,
        resource: input.resource,
        mode: input.mode,
        workflowId: step.workflowId,
        ...input.totals,
        deleted: input.totals.deleted + deleted,
      });
      countSyncEnding(connection.vendor, input.resource, 'completed');
      log.info('sync completed', {
        vendor: connection.vendor,
        resource: input.resource,
        mode: input.mode,
        ...input.totals,
        reconciledDeletions: deleted,
      });
      return { deleted };
    },

    /** Logs a failed (or cancelled) sync with its reason and announces it; the workflow rethrows afterwards. */
    async failSync(input: {
      connectionId: string;
      resource: SyncResource;
      mode: SyncMode;
      error: string;
      cancelled?: boolean;
    }) {
      const em = orm.em.fork();
      const connection = await em.findOne(VendorConnection, { id: input.connectionId });
      const step = stepOf(input, connection?.vendor ?? 'unknown');
      const ending = input.cancelled ? 'cancelled' : 'failed';
      await recordSyncStep(em, {
        ...step,
        operation: `sync_${input.mode}`,
        step: ending,
        status: ending,
        errorMessage: input.error,
      });
      // The summary's sync health shows the latest failure.
      await invalidateDashboard(redis, { scope: 'sync', id: step.workflowId });
      await events.publish('sync.failed', { ...input, workflowId: step.workflowId });
      // As in GET /api/dashboard/alerts: a failure needs attention, a cancellation was asked for.
      if (!input.cancelled) {
        await events.publish('alert.created', {
          kind: 'sync',
          type: 'sync_failed',
          severity: 'warning',
          title: `${step.service} ${input.resource} sync failing`,
          subject: {
            connectionId: input.connectionId,
            vendor: step.service,
            resource: input.resource,
            workflowId: step.workflowId,
          },
          error: input.error,
        });
      }
      countSyncEnding(step.service, input.resource, ending);
      log.warn(`sync ${ending}`, {
        vendor: step.service,
        resource: input.resource,
        mode: input.mode,
        reason: input.error,
      });
    },
  };
}
