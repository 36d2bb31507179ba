import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import { recordSyncStep } from '../db/repositories/sync-log.js';
import { markDeleted, reconcileDeletions, storeRecords } from '../db/repositories/vendor-records.js';
import type { ChangePage, Page, SyncResource } from '../integrations/core/records.js';
import { failureTypes } from '../temporal/failures.js';
import { connectionTokenSource, type RefreshOutcome } from './connection-tokens.js';
import type { ActivityDeps } from './deps.js';
import type { ConnectionSecrets } from './vendor-clients.js';
import { vendorStep } from './vendor-failures.js';

export type SyncMode = 'full' | 'incremental';

export interface SyncPageInput {
  connectionId: string;
  resource: SyncResource;
  mode: SyncMode;
  /** 1-based page number within this sync, for the log. */
  page: number;
  cursor?: string;
  /** Incremental: where the last pass ended. */
  checkpoint?: string;
}

export interface SyncPageResult {
  nextCursor: string | null;
  /** The checkpoint the vendor gave with this page (last page of a change feed). */
  checkpoint: string | null;
  fetched: number;
  inserted: number;
  updated: number;
  merged: number;
  deleted: number;
}

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
  totals: Omit<SyncPageResult, 'nextCursor' | 'checkpoint'>;
}

/**
 * Where a full listing comes from: vendors whose change feed, asked with no checkpoint, walks everything and ends
 * with a checkpoint (Jobber, Airtable, Google's sync token) use it; QuickBooks' CDC cannot list everything, so its
 * full sync is `query` paging, with the checkpoint taken before the first page.
 */
const FULL_LISTING_VIA_CHANGES: Readonly<Record<string, boolean>> = { jobber: true, airtable: true, google: true };

function stepOf(input: { connectionId: string; resource: SyncResource }, vendor: string) {
  const { workflowExecution, activityId } = Context.current().info;
  return {
    service: vendor,
    connectionId: input.connectionId,
    resourceType: input.resource,
    workflowId: workflowExecution?.workflowId ?? 'standalone',
    runId: workflowExecution?.runId ?? 'standalone',
    activityId,
  };
}

async function loadConnection(em: EntityManager, connectionId: string): Promise<VendorConnection> {
  const connection = await em.findOne(VendorConnection, { id: connectionId });
  if (!connection) {
    throw ApplicationFailure.nonRetryable(`connection ${connectionId} does not exist`, failureTypes.connectionNotFound);
  }
  return connection;
}

export function createSyncActivities({ orm, credentials, events, vendors }: ActivityDeps) {
  function clientFor(connection: VendorConnection, log: (outcome: RefreshOutcome) => Promise<void>) {
    const secrets = credentials.decrypt(connection.credentialsEncrypted ?? '') as ConnectionSecrets;
    const tokens = connectionTokenSource({
      orm,
      cipher: credentials,
      connectionId: connection.id,
      refresher: vendors.refresher(connection, secrets),
      onRefresh: log,
    });
    return vendors.client(connection, secrets, tokens);
  }

  return {
    /** Reads where the last pass ended (incremental), or takes the starting checkpoint of a full sync. */
    async beginSync(input: { connectionId: string; resource: SyncResource; mode: SyncMode }): Promise<SyncStart> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const startedAt = new Date().toISOString();
      const step = stepOf(input, connection.vendor);
      let checkpoint: string | null = connection.syncCursors[input.resource] ?? null;
      if (input.mode === 'full') {
        checkpoint = null;
        if (!FULL_LISTING_VIA_CHANGES[connection.vendor]) {
          const client = clientFor(connection, async () => undefined);
          checkpoint = (await vendorStep(() => client.changes(input.resource, {}))).checkpoint;
        }
      }
      await recordSyncStep(em, {
        ...step,
        operation: `sync_${input.mode}`,
        step: 'started',
        status: 'started',
        metadata: { checkpoint },
      });
      await events.publish('sync.progress', { ...input, phase: 'started', workflowId: step.workflowId });
      return { vendor: connection.vendor, checkpoint, startedAt };
    },

    /**
     * Fetches one page and stores it, with its sync_log row, in one transaction. Safe to repeat: rows are upserted
     * on the vendor id and the log row is keyed by this activity's id, so a retry rewrites nothing twice.
     */
    async syncPage(input: SyncPageInput): Promise<SyncPageResult> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const step = stepOf(input, connection.vendor);
      const operation = `sync_${input.mode}`;
      const logRefresh = async (outcome: RefreshOutcome) => {
        await recordSyncStep(orm.em.fork(), {
          ...step,
          activityId: `${step.activityId}:refresh:${Date.now()}`,
          operation,
          step: 'token_refresh',
          status: outcome.kind === 'revoked' ? 'failed' : 'succeeded',
          metadata: { ...outcome },
        });
      };
      const client = clientFor(connection, logRefresh);
      const viaChanges = input.mode === 'incremental' || FULL_LISTING_VIA_CHANGES[connection.vendor];
      const page: Page<unknown> | ChangePage<unknown> = await vendorStep(() =>
        viaChanges
          ? client.changes(input.resource, {
              ...(input.cursor ? { cursor: input.cursor } : {}),
              ...(input.mode === 'incremental' && input.checkpoint ? { checkpoint: input.checkpoint } : {}),
              ...(vendors.pageSize ? { pageSize: vendors.pageSize } : {}),
            })
          : client.list(input.resource, {
              ...(input.cursor ? { cursor: input.cursor } : {}),
              ...(vendors.pageSize ? { pageSize: vendors.pageSize } : {}),
            }),
      );
      const deletedIds: string[] = 'deletedIds' in page ? (page.deletedIds as string[]) : [];
      const now = new Date();
      const stored = await em.transactional(async (tx) => {
        const result = await storeRecords(tx, connection.vendor, input.resource, page.items as never[], {
          connectionId: connection.id,
          syncedAt: now,
        });
        const deleted = await markDeleted(tx, connection.vendor, input.resource, deletedIds, now);
        await recordSyncStep(tx, {
          ...step,
          operation,
          step: 'page_stored',
          status: 'succeeded',
          metadata: {
            page: input.page,
            fetched: page.items.length,
            inserted: result.inserted,
            updated: result.updated,
            merged: result.merged,
            deleted,
            matches: result.decisions.filter((decision) => decision.matchedBy !== 'external_id'),
          },
        });
        return { ...result, deleted };
      });
      const result: SyncPageResult = {
        nextCursor: page.nextCursor,
        checkpoint: 'checkpoint' in page ? (page.checkpoint as string | null) : null,
        fetched: page.items.length,
        inserted: stored.inserted,
        updated: stored.updated,
        merged: stored.merged,
        deleted: stored.deleted,
      };
      await events.publish('sync.progress', {
        connectionId: input.connectionId,
        resource: input.resource,
        mode: input.mode,
        workflowId: step.workflowId,
        page: input.page,
        fetched: result.fetched,
      });
      return result;
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
      await events.publish('sync.completed', {
        connectionId: input.connectionId,
        resource: input.resource,
        mode: input.mode,
        workflowId: step.workflowId,
        ...input.totals,
        deleted: input.totals.deleted + deleted,
      });
      return { deleted };
    },

    /** Logs a failed sync with its reason and announces it; the workflow rethrows afterwards. */
    async failSync(input: { connectionId: string; resource: SyncResource; mode: SyncMode; error: string }) {
      const em = orm.em.fork();
      const connection = await em.findOne(VendorConnection, { id: input.connectionId });
      const step = stepOf(input, connection?.vendor ?? 'unknown');
      await recordSyncStep(em, {
        ...step,
        operation: `sync_${input.mode}`,
        step: 'failed',
        status: 'failed',
        errorMessage: input.error,
      });
      await events.publish('sync.failed', { ...input, workflowId: step.workflowId });
    },
  };
}
