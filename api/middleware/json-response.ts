import type { Middleware } from 'koa';

/**
 * Serialises an object body to JSON once. Koa given an object stringifies it twice: once to compute
 * Content-Length, once to send it; on a page of 25 jobs that was a measurable share of the request.
 */
export function jsonResponse(): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return;
    if (typeof (body as { pipe?: unknown }).pipe === 'function') return;
    // The object assignment already set Content-Type to JSON; a string keeps it.
    ctx.body = JSON.stringify(body);
  };
}
