import type { EntityManager } from '@mikro-orm/postgresql';
import { SyncLog } from '../entities/sync-log.js';

export interface SyncStepEntry {
  /** The vendor (jobber, quickbooks, ...) or internal component the step talked to. */
  service: string;
  operation: string;
  resourceType?: string;
  resourceId?: string;
  status: string;
  errorMessage?: string;
  metadata?: Record<string, unknown>;
  connectionId?: string;
  workflowId?: string;
  runId?: string;
  step?: string;
  /** Temporal's activity id; with workflowId and runId it makes a retried insert a no-op. */
  activityId?: string;
}

/**
 * Appends one sync_log row. Returns false when the row was already written by an earlier attempt of the same
 * activity (same workflowId, runId and activityId). A native insert, so it leaves the caller's unit of work alone.
 */
export async function recordSyncStep(em: EntityManager, entry: SyncStepEntry): Promise<boolean> {
  const result: { affectedRows: number } = await em
    .createQueryBuilder(SyncLog)
    .insert({
      service: entry.service,
      operation: entry.operation,
      resourceType: entry.resourceType ?? null,
      resourceId: entry.resourceId ?? null,
      status: entry.status,
      errorMessage: entry.errorMessage ?? null,
      metadata: entry.metadata ?? null,
      connection: entry.connectionId ?? null,
      workflowId: entry.workflowId ?? null,
      runId: entry.runId ?? null,
      step: entry.step ?? null,
      activityId: entry.activityId ?? null,
    })
    .onConflict(['workflowId', 'runId', 'activityId'])
    .ignore()
    .execute('run');
  return result.affectedRows > 0;
}
