import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { ApiMetrics } from './api-metrics.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares digests, so neither the token's content nor its length shows in the time a refusal takes. */
function presentsToken(ctx: Context, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/**
 * `GET /metrics`: Prometheus text. Public (api/middleware/auth.ts lists it; probes' rate-limit exemption too) unless
 * `METRICS_TOKEN` is set, in which case it asks for `Authorization: Bearer <METRICS_TOKEN>`.
 */
export function metricsRouter(metrics: ApiMetrics, token: string | undefined): Router {
  const expected = token !== undefined ? digest(token) : undefined;
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (expected && !presentsToken(ctx, expected)) {
      throw new AppError('unauthorized', 401, 'Missing or invalid metrics token');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
