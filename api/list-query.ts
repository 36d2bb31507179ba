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

/*
 * Sorted lists with keyset ("seek") pagination: the cursor carries the last row's sort value and id, so page 1000
 * costs what page 1 costs and rows inserted meanwhile neither repeat nor vanish. Sortable fields must be NOT NULL
 * columns (a NULL sort value has no place in a keyset comparison), and every order ends with the id as tie-breaker.
 */

export type SortDirection = 'asc' | 'desc';

/** How a sortable field's values travel in a cursor. */
export type SortValueKind = 'date' | 'text' | 'number';

/** The fields a list can be sorted by (entity property names) and how their values are compared. */
export type SortableFields = Readonly<Record<string, SortValueKind>>;

export interface ListOrder {
  field: string;
  direction: SortDirection;
  kind: SortValueKind;
}

/**
 * The `sort` query property: a field name for ascending, `-field` for descending (`?sort=-createdAt`). The enum
 * lists every accepted value, so a typo is a 400 naming the choices and the OpenAPI document shows them.
 */
export function sortQueryProperty(fields: SortableFields, defaultSort: string): JsonSchema {
  const names = Object.keys(fields);
  return {
    type: 'string',
    enum: [...names, ...names.map((name) => `-${name}`)],
    default: defaultSort,
    description: 'Sort field; prefix with - for descending. Ties are broken by id.',
  };
}

/** Query properties every sorted list accepts: page size, cursor and sort. */
export function listQueryProperties(fields: SortableFields, defaultSort: string): Record<string, JsonSchema> {
  return {
    ...pageQueryProperties,
    cursor: { ...pageQueryProperties.cursor, maxLength: 600 },
    sort: sortQueryProperty(fields, defaultSort),
  };
}

/** `from`/`to` bounds on a date column (inclusive days), for finance and report ranges. */
export const dateRangeQueryProperties = {
  from: { type: 'string', format: 'date', description: 'First day included (YYYY-MM-DD)' },
  to: { type: 'string', format: 'date', description: 'Last day included (YYYY-MM-DD)' },
} as const satisfies Record<string, JsonSchema>;

/** Free-text search, matched case-insensitively as a substring of the resource's searchable text columns. */
export const textSearchQueryProperty = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'Case-insensitive substring search',
} as const satisfies JsonSchema;

export function parseSort(sort: string, fields: SortableFields): ListOrder {
  const direction: SortDirection = sort.startsWith('-') ? 'desc' : 'asc';
  const field = sort.replace(/^-/, '');
  const kind = fields[field];
  if (!kind) throw new Error(`${field} is not a sortable field`);
  return { field, direction, kind };
}

/** MikroORM `orderBy` for the order, with the id as tie-breaker. */
export function orderByOf(order: ListOrder): Record<string, SortDirection> {
  return { [order.field]: order.direction, id: order.direction };
}

export interface CursorPosition {
  /** The sort the cursor was issued for: a cursor is only valid with the same sort. */
  s: string;
  v: string | number;
  id: string;
}

function sortName(order: ListOrder): string {
  return `${order.direction === 'desc' ? '-' : ''}${order.field}`;
}

function badCursor(reason: string): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', [
    { location: 'query', path: '/cursor', message: reason },
  ]);
}

function wireValue(value: unknown, kind: SortValueKind): string | number {
  if (kind === 'date') return (value instanceof Date ? value : new Date(String(value))).toISOString();
  if (kind === 'number') return typeof value === 'number' ? value : String(value);
  return String(value);
}

export function encodeListCursor(order: ListOrder, row: Record<string, unknown> & { id: string }): string {
  const position: CursorPosition = { s: sortName(order), v: wireValue(row[order.field], order.kind), id: row.id };
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeListCursor(cursor: string, order: ListOrder): CursorPosition {
  let position: Partial<CursorPosition> | null;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPosition> | null;
  } catch {
    throw badCursor('is not a cursor this API issued');
  }
  if (
    !position ||
    typeof position.id !== 'string' ||
    !/^[0-9a-f-]{36}$/i.test(position.id) ||
    (typeof position.v !== 'string' && typeof position.v !== 'number') ||
    (order.kind === 'date' && Number.isNaN(Date.parse(String(position.v))))
  ) {
    throw badCursor('is not a cursor this API issued');
  }
  if (position.s !== sortName(order))
    throw badCursor(`was issued for sort ${String(position.s)}, not ${sortName(order)}`);
  return position as CursorPosition;
}

/** MikroORM filter for "rows after the cursor" in the given order; empty without a cursor. */
export function afterListCursor(cursor: string | undefined, order: ListOrder): Record<string, unknown> {
  if (!cursor) return {};
  const position = decodeListCursor(cursor, order);
  const value = order.kind === 'date' ? new Date(String(position.v)) : position.v;
  const beyond = order.direction === 'desc' ? '$lt' : '$gt';
  return {
    $or: [{ [order.field]: { [beyond]: value } }, { [order.field]: value, id: { [beyond]: position.id } }],
  };
}

/** Builds the page from `limit + 1` fetched rows: the extra row only says whether there is a next page. */
export function toSortedPage<R extends { id: string }, T>(
  rows: R[],
  limit: number,
  order: ListOrder,
  present: (row: R) => T,
): Page<T> {
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  const more = rows.length > limit && last !== undefined;
  return {
    data: visible.map(present),
    page: {
      limit,
      nextCursor: more ? encodeListCursor(order, last as unknown as Record<string, unknown> & { id: string }) : null,
    },
  };
}
