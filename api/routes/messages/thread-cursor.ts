import type { ThreadPosition } from '../../../db/repositories/message-queries.js';
import { AppError } from '../../errors.js';

/*
 * Threads are ordered by last activity, not by a row's own created_at, so their cursor is not the (createdAt, id)
 * one of api/pagination.ts: it holds the last activity exactly as PostgreSQL printed it (microseconds and offset,
 * which a JavaScript Date would round away) and the thread key that breaks ties.
 */

const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

export function encodeThreadCursor(position: ThreadPosition): string {
  return Buffer.from(JSON.stringify({ at: position.lastActivity, key: position.threadKey })).toString('base64url');
}

export function decodeThreadCursor(cursor: string): ThreadPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const position = value as { at?: unknown; key?: unknown } | null;
  if (
    !position ||
    typeof position.at !== 'string' ||
    !POSTGRES_TIMESTAMPTZ.test(position.at) ||
    typeof position.key !== 'string' ||
    position.key.length === 0 ||
    position.key.length > 255
  ) {
    throw new AppError('validation_failed', 400, 'Request validation failed', [
      { location: 'query', path: '/cursor', message: 'is not a cursor this API issued' },
    ]);
  }
  return { lastActivity: position.at, threadKey: position.key };
}
