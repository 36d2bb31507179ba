import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

interface ParserError {
  status?: number;
  type?: string;
}

/** co-body / raw-body / inflation errors carry a status and a `type`; give each a stable code of ours. */
function toAppError(error: Error & ParserError, limit: string): Error {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, `Request body exceeds the limit of ${limit}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 415, 'Unsupported body charset or encoding');
    case 'request.aborted':
      return new AppError('request_aborted', 400, 'Request aborted while reading the body');
    case 'request.size.invalid':
      return new AppError('invalid_body', 400, 'Request body does not match its Content-Length');
  }
  if (error instanceof SyntaxError || (error.status === 400 && error.type === undefined)) {
    return new AppError('invalid_json', 400, 'Request body is not valid JSON (an object or an array)');
  }
  if (error.status === 415) return new AppError('unsupported_media_type', 415, 'Unsupported Content-Encoding');
  if (typeof error.status === 'number' && error.status < 500) {
    return new AppError('invalid_body', error.status === 413 ? 413 : 400, 'Request body could not be read');
  }
  return error;
}

/**
 * Parses JSON bodies only. Other content types are left unread, so a webhook receiver can still read its raw
 * form-encoded stream, and a route that takes JSON answers 415 through `validate({ body })`.
 */
export function jsonBody(limit: string): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    jsonStrict: true,
    onError: (error) => {
      throw toAppError(error, limit);
    },
  });
  return (ctx, next) => parse(ctx, next);
}
