import type { MikroORM } from '@mikro-orm/postgresql';
import type { Vendor } from '../db/entities/enums.js';
import type { MatchDecision } from '../db/repositories/vendor-records.js';
import type { SyncMode } from './sync-context.js';
import type { EventPublisher } from './deps.js';

interface JobRow extends Record<string, unknown> {
  id: string;
  client_id: string | null;
  assigned_to: string[] | null;
  status: string;
  version: number;
}

/**
 * Per-record events of a sync page: `client.updated` for each customer stored, `job.updated` for each job, so a
 * client's page open in the dashboard follows a change made in the vendor (a webhook, then an incremental pass).
 * Only incremental passes announce records: a full listing stores every record again, and its end is announced by
 * `sync.completed` and `dashboard.invalidated`, which make views refetch.
 */
export async function announceSyncedRecords(
  { orm, events }: { orm: MikroORM; events: EventPublisher },
  page: {
    vendor: Vendor;
    resource: string;
    mode: SyncMode;
    externalIds: string[];
    decisions: MatchDecision[];
  },
): Promise<void> {
  if (page.mode !== 'incremental') return;
  if (page.resource === 'customers') {
    for (const { clientId, matchedBy } of page.decisions) {
      await events.publish('client.updated', {
        id: clientId,
        clientId,
        change: matchedBy === 'new' ? 'created' : 'updated',
        source: 'sync',
      });
    }
    return;
  }
  if (page.resource !== 'jobs' || page.externalIds.length === 0) return;
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<JobRow[]>(
      'select id, client_id, assigned_to, status, version from jobs where vendor = ? and external_id in (?)',
      [page.vendor, page.externalIds],
    );
  for (const row of rows) {
    await events.publish('job.updated', {
      id: row.id,
      clientId: row.client_id,
      assignedTo: row.assigned_to ?? [],
      change: 'updated',
      status: row.status,
      version: row.version,
      source: 'sync',
    });
  }
}
