import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/**
 * One structured line per request. It is written when the response has been sent (or the client went away),
 * because this middleware sits inside the error handler: on the way back up it cannot yet know the status
 * an error will be rendered with. Only these fields are logged: never headers (Authorization) nor bodies.
 */
export function requestLogger(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let logged = false;
    const log = (aborted: boolean): void => {
      if (logged) return;
      logged = true;
      const status = ctx.res.statusCode;
      const line = {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        ...(ctx.state.user?.sub ? { userId: ctx.state.user.sub } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      const level = status >= 500 ? 'error' : 'info';
      logger[aborted ? 'warn' : level](line, aborted ? 'request aborted' : 'request completed');
    };
    ctx.res.once('finish', () => log(false));
    ctx.res.once('close', () => log(!ctx.res.writableFinished));
    await next();
  };
}
