import { Router } from '@koa/router';
import type { ActivityType } from '../../../db/repositories/activity-feed.js';
import { principalOf, requirePermission } from '../../auth/access.js';
import { createQueryCache } from '../../cache/query-cache.js';
import type { AppDeps } from '../../deps.js';
import { validate, validated } from '../../validation.js';
import { emptyObject } from '../auth/schemas.js';
import { activityPage } from './activity.js';
import { collectAlerts } from './alerts.js';
import { activityQuery } from './schemas.js';
import { readSummary } from './summary.js';

/** /api/dashboard: what the home screen shows. */
export function dashboardRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/dashboard' });
  const read = requirePermission(deps.orm, 'dashboard:read');
  const cache = createQueryCache(deps.redis, deps.logger);

  router.get('/summary', read, validate({ query: emptyObject }), async (ctx) => {
    const answer = await readSummary(cache, deps.orm, principalOf(ctx));
    ctx.set('X-Cache', answer.hit ? 'hit' : 'miss');
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.type = 'application/json';
    ctx.body = answer.json;
  });

  router.get('/activity', read, validate({ query: activityQuery }), async (ctx) => {
    const query = validated<{ type?: ActivityType[]; limit: number; cursor?: string }>(ctx, 'query');
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.body = await activityPage(deps.orm.em.fork(), query);
  });

  router.get('/alerts', read, validate({ query: emptyObject }), async (ctx) => {
    const data = await collectAlerts(deps.orm.em.fork(), principalOf(ctx));
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.body = { data };
  });
  return router;
}
