import type { EntityManager } from '@mikro-orm/postgresql';

/** Every table the data mapper writes, in link order. */
export const UNIFIED_TABLES = ['clients', 'jobs', 'quotes', 'invoices', 'payments', 'expenses', 'calendar_events'];

/** Columns that differ between two correct runs: our own ids and clocks. */
const VOLATILE = ['id', 'created_at', 'updated_at', 'last_synced_at', 'deleted_at'];

/**
 * The unified tables as plain data that two runs over the same vendor data must agree on: no generated ids or
 * timestamps, links to clients, jobs and invoices written as the target's vendor key, deletion as a flag.
 */
export async function snapshotUnifiedTables(em: EntityManager): Promise<Record<string, unknown[]>> {
  const connection = em.getConnection();
  const snapshot: Record<string, unknown[]> = {};
  for (const table of UNIFIED_TABLES) {
    const columns = await connection.execute<{ column_name: string; data_type: string }[]>(
      `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = ?`,
      [table],
    );
    const links = columns.filter((column) => column.data_type === 'uuid' && column.column_name !== 'id');
    const drop = columns
      .map((column) => column.column_name)
      .filter(
        (name) => VOLATILE.includes(name) || name.endsWith('_synced_at') || links.some((l) => l.column_name === name),
      );
    const linkKeys = links.map(({ column_name: column }) => {
      const target = column.replace(/_id$/, '');
      const key =
        target === 'client'
          ? `coalesce(l.jobber_id, l.quickbooks_id, l.airtable_id)`
          : `l.vendor || ':' || l.external_id`;
      const targetTable = target === 'client' ? 'clients' : `${target}s`;
      return `, (select ${key} from "${targetTable}" l where l.id = t."${column}") as "${target}"`;
    });
    const rows = await connection.execute<Record<string, unknown>[]>(
      `select to_jsonb(t) - array[${drop.map((name) => `'${name}'`).join(', ')}]::text[] as row,
              t.deleted_at is not null as deleted ${linkKeys.join(' ')}
         from "${table}" t`,
    );
    snapshot[table] = rows
      .map((row) => JSON.stringify(row))
      .sort()
      .map((row) => JSON.parse(row) as unknown);
  }
  return snapshot;
}
