import { createHash } from 'node:crypto';

/*
 * Vendor ids derived from world keys, so the same record has the same id on every run with the same seed.
 * Calendar event ids must use base32hex characters (a–v, 0–9) [DOC: Events resource, field `id`]; Gmail ids
 * are 16 lower-case hex digits; Drive ids are ~33 URL-safe characters.
 */

const EVENT_PREFIX = 'evt';
const MESSAGE_PREFIX = '19';

export const eventId = (key: number): string => `${EVENT_PREFIX}${key.toString(32).padStart(8, '0')}`;

export function eventKey(id: string): number | null {
  const match = /^evt([0-9a-v]{8})$/.exec(id);
  return match ? parseInt(match[1]!, 32) : null;
}

export const messageId = (key: number): string => `${MESSAGE_PREFIX}${key.toString(16).padStart(14, '0')}`;

export function messageKey(id: string): number | null {
  const match = /^19([0-9a-f]{14})$/.exec(id);
  return match ? parseInt(match[1]!, 16) : null;
}

/** The n-th Drive file the sandbox minted since the last reset. */
export const driveFileId = (n: number): string =>
  `1${createHash('sha256').update(`sandbox-drive-file-${n}`).digest('base64url').slice(0, 32)}`;

/** Drive gives each user a stable numeric permission id. */
export function permissionIdFor(principal: string): string {
  const digest = createHash('sha256').update(principal.toLowerCase()).digest();
  return Array.from(digest.subarray(0, 20), (byte) => String(byte % 10)).join('');
}
