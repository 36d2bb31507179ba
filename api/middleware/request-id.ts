import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { runWithRequestContext } from '../request-context.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's id is kept only when it is a plain token; anything else could forge or break log lines. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First in the pipeline, so that every log line and every error body can carry the id. The rest of the pipeline
 * runs in the request's context (api/request-context.ts): the logger and the Temporal client read the id from
 * there, so nothing has to pass it down.
 */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const offered = ctx.get(REQUEST_ID_HEADER);
    const id = SANE_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = id;
    ctx.set(REQUEST_ID_HEADER, id);
    await runWithRequestContext({ requestId: id }, next);
  };
}
