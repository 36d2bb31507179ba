import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's id is kept only when it is a plain token; anything else could forge or break log lines. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** First in the pipeline, so that every log line and every error body can carry the id. */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const offered = ctx.get(REQUEST_ID_HEADER);
    const id = SANE_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = id;
    ctx.set(REQUEST_ID_HEADER, id);
    await next();
  };
}
