import { AppError } from './errors.js';
import type { JsonSchema } from './validation.js';

/** Page-size limits for every list: a caller cannot ask the database for an unbounded page. */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** Query properties every list accepts; spread into the route's query schema. */
export const pageQueryProperties = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  cursor: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
} as const satisfies Record<string, JsonSchema>;

/** The envelope of every list response. */
export interface Page<T> {
  data: T[];
  page: { limit: number; nextCursor: string | null };
}

/** Position after the last row of a page ordered by (createdAt desc, id desc). */
interface Position {
  createdAt: string;
  id: string;
}

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ createdAt: row.createdAt.toISOString(), id: row.id })).toString('base64url');
}

function badCursor(): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', [
    { location: 'query', path: '/cursor', message: 'is not a cursor this API issued' },
  ]);
}

export function decodeCursor(cursor: string): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const position = value as Partial<Position> | null;
  if (
    !position ||
    typeof position.createdAt !== 'string' ||
    Number.isNaN(Date.parse(position.createdAt)) ||
    typeof position.id !== 'string' ||
    !/^[0-9a-f-]{36}$/i.test(position.id)
  ) {
    throw badCursor();
  }
  return { createdAt: position.createdAt, id: position.id };
}

/**
 * Keyset condition for "rows after the cursor" in (createdAt desc, id desc) order, as a MikroORM filter: stable
 * under inserts, and as fast on page 1000 as on page 1.
 */
export function afterCursor(cursor: string | undefined): Record<string, unknown> {
  if (!cursor) return {};
  const { createdAt, id } = decodeCursor(cursor);
  const at = new Date(createdAt);
  return { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] };
}

/** Builds the page from `limit + 1` fetched rows: the extra row only says whether there is a next page. */
export function toPage<R extends { createdAt: Date; id: string }, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
): Page<T> {
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  return {
    data: visible.map(present),
    page: { limit, nextCursor: rows.length > limit && last ? encodeCursor(last) : null },
  };
}
