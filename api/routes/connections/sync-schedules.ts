import type { VendorConnection } from '../../../db/entities/index.js';
import { syncResourcesOf } from '../../../temporal/sync-catalog.js';
import { deleteSyncSchedules, ensureSyncSchedules } from '../../../temporal/sync-schedules.js';
import type { AppDeps } from '../../deps.js';

/**
 * Keeps a connection's periodic syncs in step after the row changed. The row is already committed: if Temporal
 * cannot be reached now, the API's start-up reconciliation (api/server.ts) catches up, so this only warns.
 */
export async function followConnection(
  { temporal, config, logger }: Pick<AppDeps, 'temporal' | 'config' | 'logger'>,
  connection: Pick<VendorConnection, 'id' | 'vendor' | 'status' | 'syncIntervalMinutes'>,
  change: 'saved' | 'deleted',
): Promise<void> {
  if (syncResourcesOf(connection.vendor).length === 0) return;
  try {
    if (change === 'deleted') await deleteSyncSchedules(temporal.client, connection);
    else await ensureSyncSchedules(temporal.client, config.temporal.taskQueue, connection);
  } catch (error) {
    logger.warn({ err: error, connectionId: connection.id }, 'could not update the periodic sync schedules');
  }
}
