import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor } from './ids.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface DateRange {
  after?: string | null;
  before?: string | null;
}

export interface Connection<T> {
  nodes: T[];
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** A function so the count is only computed when the query asks for it (the default resolver calls it). */
  totalCount: () => number;
}

function cursorKey(cursor: string | null | undefined): number | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const key = decodeCursor(cursor);
  if (key === null) throw new GraphQLError(`Invalid cursor: ${cursor}`);
  return key;
}

function pageSize(value: number | null | undefined, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value < 0) throw new GraphQLError(`Argument '${name}' on Field must be a non-negative integer`);
  return value;
}

/** The page size a connection field is charged for (vendor-facts §1.4): first or last, else the maximum. */
export function chargedPageSize(args: PageArgs, maxPageSize: number): number {
  return Math.min(args.first ?? args.last ?? maxPageSize, maxPageSize);
}

/** ISO-8601 range filter → predicate on epoch milliseconds (both bounds exclusive). */
export function rangeFilter(range: DateRange | null | undefined, field: string): (ms: number) => boolean {
  if (!range) return () => true;
  const bound = (value: string | null | undefined, side: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new GraphQLError(`${field}.${side}: "${value}" is not a valid ISO8601DateTime`);
    return ms;
  };
  const after = bound(range.after, 'after');
  const before = bound(range.before, 'before');
  return (ms) => (after === undefined || ms > after) && (before === undefined || ms < before);
}

/**
 * A Relay connection over rows in key order. `rows(fromKey)` is a lazy sequence starting at `fromKey`, so a page of
 * 100 over 100k clients scans only what it needs (plus one row to know whether there is a next page). Going forward,
 * `hasPreviousPage` is true whenever an `after` cursor was given (the spec lets servers answer cheaply here).
 */
export function connect<R extends { key: number }, T>(
  rows: (fromKey: number) => Iterable<R>,
  args: PageArgs,
  maxPageSize: number,
  view: (row: R) => T,
): Connection<T> {
  const afterKey = cursorKey(args.after);
  const beforeKey = cursorKey(args.before);
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  const inWindow = (row: R) =>
    (afterKey === undefined || row.key > afterKey) && (beforeKey === undefined || row.key < beforeKey);

  let page: R[] = [];
  let hasNextPage = false;
  let hasPreviousPage: boolean;
  if (last !== undefined && first === undefined) {
    const window: R[] = [];
    for (const row of rows(afterKey === undefined ? 0 : afterKey + 1)) if (inWindow(row)) window.push(row);
    const size = Math.min(last, maxPageSize);
    page = window.slice(Math.max(0, window.length - size));
    hasPreviousPage = window.length > page.length;
  } else {
    const size = Math.min(first ?? maxPageSize, maxPageSize);
    for (const row of rows(afterKey === undefined ? 0 : afterKey + 1)) {
      if (!inWindow(row)) {
        if (beforeKey !== undefined && row.key >= beforeKey) break;
        continue;
      }
      if (page.length === size) {
        hasNextPage = true;
        break;
      }
      page.push(row);
    }
    hasPreviousPage = afterKey !== undefined;
  }

  const nodes = page.map(view);
  const edges = nodes.map((node, index) => ({ cursor: encodeCursor(page[index]!.key), node }));
  let total: number | undefined;
  return {
    nodes,
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => {
      if (total === undefined) {
        total = 0;
        for (const iterator = rows(0)[Symbol.iterator](); !iterator.next().done;) total += 1;
      }
      return total;
    },
  };
}
