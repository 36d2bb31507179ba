import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';

/*
 * Incremental passes filter with `IS_AFTER(LAST_MODIFIED_TIME(), '<since>')`. Airtable ties an `offset` to the
 * query it came from, so the cursor of a later page carries the `since` of the first page's formula along with the
 * offset, and the checkpoint the pass will hand out on its last page (fixed when the pass started).
 */
export interface ChangeCursor {
  offset: string;
  /** The formula's lower bound; null on a first pass (no checkpoint: everything is a change). */
  since: string | null;
  /** Checkpoint for the next pass, returned once the last page has been read. */
  next: string;
}

export function encodeChangeCursor(cursor: ChangeCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeChangeCursor(text: string): ChangeCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ChangeCursor>;
    if (
      typeof value.offset === 'string' &&
      (value.since === null || typeof value.since === 'string') &&
      typeof value.next === 'string'
    ) {
      return { offset: value.offset, since: value.since === null ? null : isoTime(value.since), next: value.next };
    }
  } catch {
    // Falls through to the error below: the cursor did not come from this client.
  }
  throw new VendorError(VENDOR, 'validation', 'unreadable changes cursor');
}

/**
 * A checkpoint or cursor time normalized to ISO-8601, so nothing but a date ever reaches the formula. A checkpoint
 * that is not a time cannot be resumed from: a full pass is the way back.
 */
export function isoTime(text: string): string {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new VendorError(VENDOR, 'resync_required', `unreadable checkpoint ${text}`);
  return new Date(at).toISOString();
}

export const modifiedAfter = (since: string) => `IS_AFTER(LAST_MODIFIED_TIME(), '${isoTime(since)}')`;
