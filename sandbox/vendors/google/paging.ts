import { invalidParameter } from './errors.js';

/** What a page token remembers: the epoch it belongs to, the offset, and the query it continues. */
export interface Cursor {
  /** Epoch of the world the list was taken from. */
  e: number;
  /** Offset of the next page. */
  o: number;
  /** Change-counter position when the listing started (Calendar's next sync token). */
  p?: number;
  /** Fingerprint of the other query parameters; a token is only good for the same query. */
  f: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Decodes a page token; a garbled token or one from another query or epoch is a 400 on `pageToken`. */
export function decodeCursor(token: string, epoch: number, fingerprint: string): Cursor {
  let cursor: Partial<Cursor> | null;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    cursor = null;
  }
  if (
    !cursor ||
    typeof cursor.o !== 'number' ||
    cursor.o < 0 ||
    cursor.e !== epoch ||
    cursor.f !== fingerprint ||
    (cursor.p !== undefined && typeof cursor.p !== 'number')
  ) {
    throw invalidParameter('pageToken', 'Invalid page token value.');
  }
  return cursor as Cursor;
}

/** The query minus paging parameters, as a stable string. */
export function fingerprint(query: Record<string, unknown>, ignore: readonly string[] = ['pageToken']): string {
  const keys = Object.keys(query)
    .filter((key) => !ignore.includes(key))
    .sort();
  return keys.map((key) => `${key}=${JSON.stringify(query[key])}`).join('&');
}

/** An integer query parameter within [min, max]; with `clamp`, values above `max` become `max` instead of a 400. */
export function intParam(
  value: unknown,
  name: string,
  { min, max, fallback, clamp = false }: { min: number; max: number; fallback: number; clamp?: boolean },
): number {
  if (value === undefined) return fallback;
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text))
    throw invalidParameter(name, `Invalid value '${String(text)}'.`);
  const number = Number(text);
  if (number > max && clamp) return max;
  if (number < min || number > max) {
    throw invalidParameter(name, `Invalid value '${text}'. Values must be within the range: [${min}, ${max}]`);
  }
  return number;
}

/** A single-valued string query parameter (the last one wins when repeated). */
export function stringParam(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.at(-1) as string | undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A repeated query parameter (`labelIds=A&labelIds=B`) as an array. */
export function listParam(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}
