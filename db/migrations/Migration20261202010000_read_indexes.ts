import { Migration } from '@mikro-orm/migrations';
import { DASHBOARD_INDEXES } from '../entities/dashboard-indexes.js';

/**
 * What the read side of the API needs on large tables: keyset orders of the /api/finances lists and pg_trgm indexes
 * for their `q` search (pg_trgm comes with api_writes), and partial indexes for the dashboard's summary, activity
 * feed and alerts (sync outcomes, unread inbound messages, open receivables, received payments, live jobs).
 */
const INDEXES: ReadonlyArray<readonly [name: string, table: string, definition: string]> = [
  ['invoices_created_at_id_index', 'invoices', '("created_at", "id")'],
  ['invoices_updated_at_id_index', 'invoices', '("updated_at", "id")'],
  ['invoices_total_id_index', 'invoices', '("total", "id")'],
  ['invoices_balance_id_index', 'invoices', '("balance", "id")'],
  ['invoices_status_created_at_id_index', 'invoices', '("status", "created_at", "id")'],
  ['invoices_client_id_created_at_id_index', 'invoices', '("client_id", "created_at", "id")'],
  ['invoices_number_trgm_index', 'invoices', 'using gin ("number" gin_trgm_ops)'],
  ['payments_created_at_id_index', 'payments', '("created_at", "id")'],
  ['payments_updated_at_id_index', 'payments', '("updated_at", "id")'],
  ['payments_amount_id_index', 'payments', '("amount", "id")'],
  ['payments_number_trgm_index', 'payments', 'using gin ("number" gin_trgm_ops)'],
  ['expenses_created_at_id_index', 'expenses', '("created_at", "id")'],
  ['expenses_updated_at_id_index', 'expenses', '("updated_at", "id")'],
  ['expenses_amount_id_index', 'expenses', '("amount", "id")'],
  ['expenses_number_trgm_index', 'expenses', 'using gin ("number" gin_trgm_ops)'],
  ['expenses_payee_name_trgm_index', 'expenses', 'using gin ("payee_name" gin_trgm_ops)'],
  ['jobs_scheduled_start_id_index', 'jobs', '("scheduled_start", "id")'],
  ...DASHBOARD_INDEXES.map(([name, table, definition]) => [name, table, definition] as const),
];

export class Migration20261202010000_read_indexes extends Migration {
  override name = 'Migration20261202010000_read_indexes';

  override up(): void | Promise<void> {
    for (const [name, table, definition] of INDEXES) this.addSql(`create index "${name}" on "${table}" ${definition};`);
  }

  override down(): void | Promise<void> {
    for (const [name] of [...INDEXES].reverse()) this.addSql(`drop index "${name}";`);
  }
}
