import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * The few statements the data mapper is made of. Every value goes through MikroORM's `?` parameters; identifiers
 * come only from the constant column lists of the mapper itself. A page is written with one statement: the rows
 * travel as one JSON parameter and `jsonb_to_recordset` turns them back into typed columns.
 */

/** Column name → PostgreSQL type, in insert order. `id` must be first. */
export type ColumnTypes = Readonly<Record<string, string>>;

export type Row = Record<string, unknown>;

/**
 * Inserts the rows, or updates every listed column but `id` and `created_at` of the rows whose id exists.
 * Returns how many rows were written.
 */
export async function upsertById(em: EntityManager, table: string, columns: ColumnTypes, rows: Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const names = Object.keys(columns);
  const quoted = names.map((name) => `"${name}"`).join(', ');
  const definition = names.map((name) => `"${name}" ${columns[name]}`).join(', ');
  const updates = names
    .filter((name) => name !== 'id' && name !== 'created_at')
    .map((name) => `"${name}" = excluded."${name}"`)
    .join(', ');
  const sql =
    `insert into "${table}" (${quoted}) select ${quoted} from jsonb_to_recordset(?::jsonb) as r(${definition}) ` +
    `on conflict ("id") do update set ${updates}`;
  const result = await em.execute<{ affectedRows: number }>(sql, [JSON.stringify(rows)], 'run');
  return result.affectedRows;
}

/** Sets one timestamp column of the given rows; one statement. */
export async function touch(em: EntityManager, table: string, column: string, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    `update "${table}" set "${column}" = ?::timestamptz where "id" in (?)`,
    [at.toISOString(), ids],
    'run',
  );
}

/** A timestamp column as read back (the driver may hand back a Date or a string), as an ISO string. */
export function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | Date).toISOString();
}

/** 'YYYY-MM-DD' from a vendor date or time: the date as the vendor wrote it, whatever its offset. */
export function dateOnly(value: string | null): string | null {
  if (value === null) return null;
  const match = /^\d{4}-\d{2}-\d{2}/.exec(value);
  return match ? match[0] : null;
}

export function clip(value: string | null, length: number): string | null {
  return value === null ? null : value.slice(0, length);
}

/** Distinct non-null values: the arguments of an `in (?)` list, which must not be empty. */
export function distinct(values: Iterable<string | null | undefined>): string[] {
  const set = new Set<string>();
  for (const value of values) if (value !== null && value !== undefined) set.add(value);
  return [...set];
}

/** The last record of each external id in the page: a vendor may list one record twice while it changes. */
export function lastPerExternalId<T extends { externalId: string }>(records: readonly T[]): T[] {
  return [...new Map(records.map((record) => [record.externalId, record])).values()];
}
