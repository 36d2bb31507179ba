import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';

/**
 * Our cursor wraps Calendar's page token with what the next request must repeat: the sync token of an
 * incremental pass and the page size. Calendar expects the continuation of a listing to carry the same
 * parameters as its first page, so the cursor alone is enough to resume, whatever the caller passes beside it.
 */
export interface CalendarCursor {
  /** Calendar's nextPageToken. */
  pageToken: string;
  /** The sync token the pass started from; absent for a full listing. */
  syncToken?: string;
  maxResults: number;
}

export function encodeCursor(cursor: CalendarCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(value: string): CalendarCursor {
  let cursor: Partial<CalendarCursor> | null;
  try {
    cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<CalendarCursor>;
  } catch {
    cursor = null;
  }
  if (
    !cursor ||
    typeof cursor.pageToken !== 'string' ||
    typeof cursor.maxResults !== 'number' ||
    (cursor.syncToken !== undefined && typeof cursor.syncToken !== 'string')
  ) {
    throw new VendorError(VENDOR, 'validation', 'not a Google Calendar cursor');
  }
  return cursor as CalendarCursor;
}
