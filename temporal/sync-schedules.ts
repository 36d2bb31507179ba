import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { scheduledSync } from '../workflows/index.js';
import { syncSearchAttributes } from './search-attribute-keys.js';
import { syncResourcesOf } from './sync-catalog.js';
import { workflowIds } from './workflow-ids.js';

export interface ScheduledConnection {
  id: string;
  vendor: string;
  status: string;
  syncIntervalMinutes: number;
}

type SyncScheduleOptions = ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<typeof scheduledSync>>;

function syncScheduleOptions(
  taskQueue: string,
  connection: ScheduledConnection,
  resource: string,
): SyncScheduleOptions {
  const connected = connection.status === 'connected';
  return {
    spec: { intervals: [{ every: `${connection.syncIntervalMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledSync',
      workflowId: workflowIds.syncSchedule(connection.id, resource),
      taskQueue,
      args: [{ connectionId: connection.id, vendor: connection.vendor, resource: resource as never }],
      typedSearchAttributes: syncSearchAttributes(connection, resource, 'scheduled'),
      workflowExecutionTimeout: '5 minutes',
    },
    // SKIP: a schedule never stacks triggers; a sync still running when the next is due gets one more pass instead.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    state: {
      paused: !connected,
      note: connected ? 'periodic incremental sync' : `paused: the connection is ${connection.status}`,
    },
  };
}

/**
 * Creates or updates the periodic incremental syncs of one connection, one Temporal Schedule per resource (visible
 * under Schedules in the Web UI); a new one runs once right away. Paused while the connection is not connected
 * (needs_reauth, disabled). Safe to call any number of times, from any number of API instances.
 */
export async function ensureSyncSchedules(
  client: Client,
  taskQueue: string,
  connection: ScheduledConnection,
): Promise<string[]> {
  const ids: string[] = [];
  for (const resource of syncResourcesOf(connection.vendor)) {
    const scheduleId = workflowIds.syncSchedule(connection.id, resource);
    const options = syncScheduleOptions(taskQueue, connection, resource);
    try {
      // A new schedule syncs at once (a full sync, as nothing is stored yet) instead of one interval later.
      const firstRun = connection.status === 'connected';
      await client.schedule.create({
        scheduleId,
        ...options,
        state: { ...options.state, triggerImmediately: firstRun },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update<typeof scheduledSync>(() => options);
    }
    ids.push(scheduleId);
  }
  return ids;
}

/** Removes a connection's schedules (the connection is gone); schedules already gone are fine. */
export async function deleteSyncSchedules(client: Client, connection: { id: string; vendor: string }): Promise<void> {
  for (const resource of syncResourcesOf(connection.vendor)) {
    try {
      await client.schedule.getHandle(workflowIds.syncSchedule(connection.id, resource)).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
}
