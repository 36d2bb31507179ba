import type { EntityManager } from '@mikro-orm/postgresql';
import { roleHas } from '../../auth/permissions.js';
import type { Principal } from '../../state.js';
import { alertId, isoOf, type ReauthorizationAlert, type SyncFailureAlert } from './alert-types.js';

/** How far back a failed sync still raises an alert (a success since then clears it sooner). */
export const SYNC_FAILURE_WINDOW_DAYS = 7;
const MAX_SYNC_ALERTS = 50;

interface FailureRow {
  connection_id: string;
  vendor: string;
  resource: string | null;
  count: number;
  first_at: Date;
  last_at: Date;
  error: string | null;
  workflow_id: string | null;
}

/**
 * One alert per connection and resource whose recent syncs failed with no success after them: the failures of the
 * last week that no later `completed` row of the same connection and resource has answered.
 */
export async function syncFailureAlerts(
  em: EntityManager,
  principal: Principal,
  now: Date,
): Promise<SyncFailureAlert[]> {
  if (!roleHas(principal.role, 'syncs:read')) return [];
  const since = new Date(now.getTime() - SYNC_FAILURE_WINDOW_DAYS * 86_400_000);
  /*
   * Per group (connection and resource) rather than per failure: one look-up of its last success each. The groups
   * are materialized so the planner cannot re-run that look-up for every failure row it joins back.
   */
  const rows = await em.getConnection().execute<FailureRow[]>(
    `with failures as (
       select connection_id, resource_type, created_at, error_message, workflow_id from sync_log
        where status = 'failed' and step = 'failed' and created_at > ? and connection_id is not null
     ), still_failing as materialized (
       select g.connection_id, g.resource_type, success.at as last_success
         from (select connection_id, resource_type, max(created_at) as last_failure
                 from failures group by connection_id, resource_type) g
         left join lateral (
           select max(s.created_at) as at from sync_log s
            where s.connection_id = g.connection_id and s.step = 'completed'
              and s.resource_type is not distinct from g.resource_type and s.created_at > ?
         ) success on true
        where success.at is null or success.at < g.last_failure
     )
     select f.connection_id, c.vendor, f.resource_type as resource, count(*)::int as count,
            min(f.created_at) as first_at, max(f.created_at) as last_at,
            (array_agg(f.error_message order by f.created_at desc))[1] as error,
            (array_agg(f.workflow_id order by f.created_at desc))[1] as workflow_id
       from failures f
       join still_failing o
         on o.connection_id = f.connection_id and coalesce(o.resource_type, '') = coalesce(f.resource_type, '')
       join vendor_connections c on c.id = f.connection_id
      where o.last_success is null or f.created_at > o.last_success
      group by f.connection_id, c.vendor, f.resource_type
      order by max(f.created_at) desc
      limit ?`,
    [since, since, MAX_SYNC_ALERTS],
  );
  return rows.map((row) => ({
    id: alertId('sync', row.connection_id, row.resource ?? ''),
    kind: 'sync',
    type: 'sync_failed',
    severity: 'warning',
    title: `${row.vendor} ${row.resource ?? ''} sync failing`.replace(/\s+/g, ' '),
    count: row.count,
    firstAt: isoOf(row.first_at),
    lastAt: isoOf(row.last_at),
    subject: {
      connectionId: row.connection_id,
      vendor: row.vendor,
      resource: row.resource,
      workflowId: row.workflow_id,
    },
    error: row.error,
  }));
}

interface ReauthRow {
  id: string;
  vendor: string;
  display_name: string | null;
  updated_at: Date;
}

/** Connections whose grant the vendor refused: every sync of them fails until someone authorizes them again. */
export async function reauthorizationAlerts(em: EntityManager, principal: Principal): Promise<ReauthorizationAlert[]> {
  if (!roleHas(principal.role, 'syncs:read')) return [];
  const rows = await em.getConnection().execute<ReauthRow[]>(
    `select id, vendor, display_name, updated_at from vendor_connections
      where status = 'needs_reauth' order by updated_at desc`,
  );
  return rows.map((row) => ({
    id: alertId('connection', 'needs_reauth', row.id),
    kind: 'connection',
    type: 'needs_reauth',
    severity: 'critical',
    title: `The ${row.vendor} connection must be authorized again`,
    count: 1,
    firstAt: isoOf(row.updated_at),
    lastAt: isoOf(row.updated_at),
    subject: { connectionId: row.id, vendor: row.vendor, displayName: row.display_name },
  }));
}
