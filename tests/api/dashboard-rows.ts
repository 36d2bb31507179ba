import { randomUUID } from 'node:crypto';
import type { Json } from '../support/api.js';
import { getHarness } from '../support/harness.js';

/** Raw SQL on the test database: the dashboard tests set timestamps and soft deletes the ORM would stamp itself. */
export function sql<T = Json[]>(text: string, params: unknown[] = []): Promise<T> {
  return getHarness().orm.em.getConnection().execute(text, params) as Promise<T>;
}

/** Exact money arithmetic on the API's decimal strings. */
export function cents(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  return amount.startsWith('-') ? -value : value;
}

/** The UTC calendar day `days` from now, as the dashboard's money figures count days. */
export function utcDayOffset(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** JSON columns take JSON text; dates and scalars go as they are. */
function toParam(value: unknown): unknown {
  if (value === null || value instanceof Date || typeof value !== 'object') return value;
  return JSON.stringify(value);
}

/** Children before parents, so deleting a suite's rows never trips a foreign key. */
const DELETE_ORDER = [
  'job_notes',
  'sync_log',
  'security_events',
  'messages',
  'payments',
  'invoices',
  'jobs',
  'clients',
  'vendor_connections',
];

/**
 * Inserts rows the suite then removes: the database is shared with the suites after it, which must not find
 * these clients, jobs (some dated in the future) or failing connections.
 */
export function createRowTracker() {
  const inserted = new Map<string, string[]>();
  return {
    async insert(table: string, row: Record<string, unknown>): Promise<string> {
      const id = (row.id as string | undefined) ?? randomUUID();
      const values = { ...row, id };
      const columns = Object.keys(values);
      await sql(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
        Object.values(values).map(toParam),
      );
      inserted.set(table, [...(inserted.get(table) ?? []), id]);
      return id;
    },
    async removeAll(): Promise<void> {
      for (const table of DELETE_ORDER) {
        const ids = inserted.get(table);
        if (ids?.length) await sql(`delete from ${table} where id in (${ids.map(() => '?').join(', ')})`, ids);
      }
      inserted.clear();
    },
  };
}
