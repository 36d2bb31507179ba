import type { RouterContext } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError, normalizeError, type ErrorBody } from '../errors.js';

/**
 * Headers that describe a body some handler may have started; the error body replaces that body. Everything
 * else already set (request id, CORS, helmet, rate-limit headers) stays on the error response.
 */
const REPRESENTATION_HEADERS = ['Content-Disposition', 'Content-Encoding', 'Content-Range', 'ETag', 'Last-Modified'];

/** RFC 9110 §15.5.6: a 405 names the methods the resource does support. */
function allowedMethods(ctx: Context): string | undefined {
  const matched = (ctx as unknown as RouterContext).matched ?? [];
  const methods = new Set(matched.flatMap((layer) => layer.methods));
  return methods.size > 0 ? [...methods].join(', ') : undefined;
}

/** The one place errors become responses: `{ error: { code, message, details?, requestId } }`. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = normalizeError(thrown);
      const requestId = ctx.state.requestId;
      if (error.internal) {
        logger.error({ err: thrown, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      } else {
        logger.debug({ requestId, code: error.code, status: error.status }, 'request rejected');
      }
      if (ctx.headerSent || !ctx.writable) return;

      for (const name of REPRESENTATION_HEADERS) ctx.remove(name);
      ctx.set(error.headers);
      // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme.
      if (error.status === 401 && !ctx.response.get('WWW-Authenticate')) ctx.set('WWW-Authenticate', 'Bearer');
      if (error.status === 405) {
        const allow = allowedMethods(ctx);
        if (allow) ctx.set('Allow', allow);
      }
      const body: ErrorBody = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details !== undefined ? { details: error.details } : {}),
          requestId,
        },
      };
      ctx.status = error.status;
      ctx.body = body;
    }
  };
}

/**
 * Last in the pipeline: nothing answered. A path that some route matches for another method is left alone
 * so that the router's allowedMethods (which runs after this on the way back) throws its 405 instead.
 */
export function notFound(): Middleware {
  return async (ctx) => {
    const matched = (ctx as unknown as RouterContext).matched ?? [];
    if (matched.some((layer) => layer.methods.length > 0)) return;
    throw new AppError('not_found', 404, `No route for ${ctx.method} ${ctx.path}`);
  };
}
