import type { Customer, Invoice, Job, Quote, World } from '../../core/world.js';

/** Jobber has a copy of this customer (not deleted, not marked missing in Jobber's variant). */
export function clientVisible(customer: Customer | undefined): customer is Customer {
  return customer !== undefined && !customer.deletedAt && !customer.variants.jobber?.missing;
}

/** Jobs, quotes and invoices exist in Jobber only while their client does (deleting a client deletes its work). */
export function workVisible(world: World, row: Job | Quote | Invoice | undefined): boolean {
  return row !== undefined && !row.deletedAt && clientVisible(world.customers[row.customerKey]);
}

type Grouped = { size: number; byCustomer: Map<number, number[]> };

interface CustomerIndex {
  jobs: Grouped;
  quotes: Grouped;
  invoices: Grouped;
}

/**
 * Keys of each customer's jobs, quotes and invoices, so `client { jobs }` does not scan every job. Derived from the
 * world, extended when a table grows (rows are only ever appended), and held weakly so a reset world is dropped.
 */
const indexes = new WeakMap<World, CustomerIndex>();

function extend(grouped: Grouped, rows: ReadonlyArray<{ key: number; customerKey: number }>): Grouped {
  for (let key = grouped.size; key < rows.length; key += 1) {
    const row = rows[key]!;
    const keys = grouped.byCustomer.get(row.customerKey);
    if (keys) keys.push(row.key);
    else grouped.byCustomer.set(row.customerKey, [row.key]);
  }
  grouped.size = rows.length;
  return grouped;
}

const empty = (): Grouped => ({ size: 0, byCustomer: new Map() });

export function customerIndex(world: World): { [K in keyof CustomerIndex]: Map<number, number[]> } {
  let index = indexes.get(world);
  if (!index) {
    index = { jobs: empty(), quotes: empty(), invoices: empty() };
    indexes.set(world, index);
  }
  return {
    jobs: extend(index.jobs, world.jobs).byCustomer,
    quotes: extend(index.quotes, world.quotes).byCustomer,
    invoices: extend(index.invoices, world.invoices).byCustomer,
  };
}

/** Rows of `table` from `fromKey` on (array index = key), lazily, that pass `keep`. */
export function* scan<R extends { key: number }>(
  table: readonly R[],
  fromKey: number,
  keep: (row: R) => boolean,
): Generator<R> {
  for (let key = fromKey; key < table.length; key += 1) {
    const row = table[key];
    if (row && keep(row)) yield row;
  }
}

/** Rows of `table` whose keys are listed (ascending), from `fromKey` on, that pass `keep`. */
export function* pick<R extends { key: number }>(
  table: readonly R[],
  keys: readonly number[] | undefined,
  fromKey: number,
  keep: (row: R) => boolean,
): Generator<R> {
  for (const key of keys ?? []) {
    const row = table[key];
    if (key >= fromKey && row && row.key === key && keep(row)) yield row;
  }
}
