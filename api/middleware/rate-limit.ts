import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import type { Logger } from 'pino';

export interface RateLimitOptions {
  /** Requests allowed per window and key. */
  max: number;
  /** Window length in milliseconds. */
  durationMs: number;
  /** Redis key prefix; a separate limit (auth, webhooks) uses its own. */
  namespace: string;
}

/** Architecture §4: global limit of 1000 requests per hour. */
export const GLOBAL_RATE_LIMIT: RateLimitOptions = { max: 1000, durationMs: 60 * 60 * 1000, namespace: 'ratelimit' };

/** Probes must keep answering under load, or an orchestrator would restart a healthy process. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz']);

/**
 * koa-ratelimit on Redis, keyed by the token's subject when the request is authenticated (it runs after
 * koa-jwt) and by client IP otherwise. A 429 is thrown, so the error handler renders it with the
 * X-RateLimit-* headers and Retry-After that koa-ratelimit attaches.
 *
 * When Redis itself fails the request goes through (logged): a limiter outage should not take the whole
 * API down with it; /readyz already reports Redis as down.
 */
export function rateLimit(redis: Redis, options: RateLimitOptions, logger: Logger): Middleware {
  const limiter = ratelimit({
    driver: 'redis',
    db: redis,
    max: options.max,
    duration: options.durationMs,
    namespace: options.namespace,
    throw: true,
    id: (ctx) => {
      if (EXEMPT_PATHS.has(ctx.path)) return false;
      const sub = ctx.state.user?.sub;
      return sub ? `user:${sub}` : `ip:${ctx.ip}`;
    },
  });
  return async (ctx, next) => {
    let passed = false;
    try {
      await limiter(ctx, () => {
        passed = true;
        return next();
      });
    } catch (error) {
      const isLimiterFailure = !passed && typeof (error as { status?: unknown }).status !== 'number';
      if (!isLimiterFailure) throw error;
      logger.warn({ err: error, requestId: ctx.state.requestId }, 'rate limiter unavailable; request let through');
      await next();
    }
  };
}
