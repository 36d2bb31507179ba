import type { Context } from 'koa';
import { AppError } from '../../errors.js';

const UNIT_BYTES = { kb: 1024, mb: 1024 * 1024 } as const;

/** BODY_LIMIT (`<n>kb` or `<n>mb`, as config/env.ts checks it) in bytes. */
export function byteLimit(limit: string): number {
  const match = /^(\d+)(kb|mb)$/.exec(limit);
  if (!match) throw new Error(`not a body limit: ${limit}`);
  return Number(match[1]) * UNIT_BYTES[match[2] as keyof typeof UNIT_BYTES];
}

function tooLarge(limit: string): AppError {
  return new AppError('payload_too_large', 413, `Request body exceeds the limit of ${limit}`);
}

/**
 * The raw bytes of a form-encoded body, as text. The app's body parser reads JSON only and leaves other bodies
 * unread (api/middleware/body.ts), so a receiver that must check a signature over the exact form fields reads the
 * stream itself, under the same size limit.
 */
export async function readFormBody(ctx: Context, limit: string): Promise<string> {
  if (!ctx.request.is('application/x-www-form-urlencoded')) {
    throw new AppError('unsupported_media_type', 415, 'Request body must be application/x-www-form-urlencoded');
  }
  const encoding = ctx.get('Content-Encoding').toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new AppError('unsupported_media_type', 415, 'Unsupported Content-Encoding');
  }
  const maxBytes = byteLimit(limit);
  if (Number(ctx.get('Content-Length')) > maxBytes) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
