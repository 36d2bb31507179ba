import { Context } from '@temporalio/activity';
import { recordSyncStep, type SyncStepEntry } from '../db/repositories/sync-log.js';
import type { ActivityDeps } from './deps.js';

export function createSyncLogActivities({ orm }: ActivityDeps) {
  return {
    /** One sync_log row per workflow step; keyed by the activity id so a retried insert is a no-op. */
    async recordSyncStep(entry: Omit<SyncStepEntry, 'activityId'>): Promise<void> {
      const { activityId } = Context.current().info;
      await recordSyncStep(orm.em.fork(), { ...entry, activityId });
    },
  };
}
