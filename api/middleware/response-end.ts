import { performance } from 'node:perf_hooks';
import type { Context } from 'koa';

export interface ResponseEnding {
  /** The client went away before the response was fully sent. */
  aborted: boolean;
  /** Since this call (the calling middleware's entry). */
  durationMs: number;
}

/**
 * Calls `ended` once, when the response has been sent or the client went away. Middleware that report on a request
 * (the request log, the HTTP metrics) sit inside the error handler, so only then is the final status known.
 */
export function onResponseEnd(ctx: Context, ended: (ending: ResponseEnding) => void): void {
  const started = performance.now();
  let done = false;
  const end = (aborted: boolean): void => {
    if (done) return;
    done = true;
    ended({ aborted, durationMs: performance.now() - started });
  };
  ctx.res.once('finish', () => end(false));
  ctx.res.once('close', () => end(!ctx.res.writableFinished));
}
