import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { onResponseEnd } from './response-end.js';

/**
 * One structured line per request, written when the response has ended (see onResponseEnd). Only these fields are
 * logged: never headers (Authorization) nor bodies.
 */
export function requestLogger(logger: Logger): Middleware {
  return async (ctx, next) => {
    onResponseEnd(ctx, ({ aborted, durationMs }) => {
      const status = ctx.res.statusCode;
      const line = {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status,
        durationMs: Math.round(durationMs * 100) / 100,
        ...(ctx.state.user?.sub ? { userId: ctx.state.user.sub } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      const level = status >= 500 ? 'error' : 'info';
      logger[aborted ? 'warn' : level](line, aborted ? 'request aborted' : 'request completed');
    });
    await next();
  };
}
