/**
 * Jobber's EncodedId: base64 of a global id such as `gid://Jobber/Client/145189326` (vendor-facts §1.2). The
 * numeric part is derived from the world record's key so the same record always has the same id.
 */
export type JobberType =
  'Client' | 'Job' | 'Quote' | 'Invoice' | 'Property' | 'Account' | 'QuoteLineItem' | 'Application';

/** Keeps Jobber numbers looking like real ones (and never equal to the world key, which would hide mix-ups). */
const ID_OFFSET = 80_000_000;

export function encodeId(type: JobberType, key: number): string {
  return Buffer.from(`gid://Jobber/${type}/${ID_OFFSET + key}`).toString('base64');
}

/** The world key behind an EncodedId of the expected type; null for anything else. */
export function decodeId(type: JobberType, id: unknown): number | null {
  if (typeof id !== 'string') return null;
  const match = /^gid:\/\/Jobber\/(\w+)\/(\d+)$/.exec(Buffer.from(id, 'base64').toString('utf8'));
  if (!match || match[1] !== type) return null;
  const key = Number(match[2]) - ID_OFFSET;
  return Number.isSafeInteger(key) && key >= 0 ? key : null;
}

/** Opaque Relay cursor (graphql-ruby style: unpadded url-safe base64) carrying the record key. */
export function encodeCursor(key: number): string {
  return Buffer.from(String(key)).toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const key = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  return Number.isSafeInteger(key) && key >= 0 ? key : null;
}
