/*
 * Partial indexes the dashboard's summary, activity feed and alerts read through (db/repositories/dashboard-summary.ts,
 * activity-feed.ts, api/routes/dashboard/*-alerts.ts). One list feeds both the migration that creates them and the
 * entities that declare them, so the schema check compares like with like.
 */
export const DASHBOARD_INDEXES = [
  [
    'sync_log_outcomes_created_at_index',
    'sync_log',
    `("created_at" desc, "id" desc) where step in ('completed', 'failed')`,
  ],
  [
    'sync_log_connection_outcomes_index',
    'sync_log',
    `("connection_id", "step", "created_at") where step in ('completed', 'failed')`,
  ],
  ['messages_unread_inbound_index', 'messages', `("created_at") where direction = 'inbound' and read_at is null`],
  [
    'invoices_receivable_index',
    'invoices',
    `("due_on") include ("balance") where deleted_at is null and balance > 0 and status not in ('draft', 'void', 'voided', 'bad_debt')`,
  ],
  ['payments_received_paid_on_index', 'payments', `("paid_on") include ("amount", "status") where deleted_at is null`],
  ['jobs_live_status_index', 'jobs', `("status") where deleted_at is null`],
] as const;

type Table = (typeof DASHBOARD_INDEXES)[number][1];

/** The entity `indexes` entries of one table's dashboard indexes. */
export function dashboardIndexesOf(table: Table): Array<{ name: string; expression: string }> {
  return DASHBOARD_INDEXES.filter(([, on]) => on === table).map(([name, on, definition]) => ({
    name,
    expression: `create index "${name}" on "${on}" ${definition}`,
  }));
}
