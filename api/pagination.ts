import {
  afterListCursor,
  decodeListCursor,
  encodeListCursor,
  toSortedPage,
  type ListOrder,
  type Page,
} from './list-query.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageQueryProperties, type Page } from './list-query.js';

/*
 * The lists that only ever show the newest first (users, API keys, connections, security events, messages): the
 * keyset pagination of list-query.ts with its order fixed to (createdAt desc, id desc).
 */
const NEWEST_FIRST: ListOrder = { field: 'createdAt', direction: 'desc', kind: 'date' };

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return encodeListCursor(NEWEST_FIRST, row);
}

/** The position a cursor names; a 400 naming `/cursor` when it is not one this API issued. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const position = decodeListCursor(cursor, NEWEST_FIRST);
  return { createdAt: String(position.v), id: position.id };
}

/** MikroORM filter for the rows after the cursor, newest first; empty without a cursor. */
export function afterCursor(cursor: string | undefined): Record<string, unknown> {
  return afterListCursor(cursor, NEWEST_FIRST);
}

/** Builds the page from `limit + 1` fetched rows: the extra row only says whether there is a next page. */
export function toPage<R extends { createdAt: Date; id: string }, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
): Page<T> {
  return toSortedPage(rows, limit, NEWEST_FIRST, present);
}
