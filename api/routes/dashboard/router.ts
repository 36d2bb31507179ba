import { Router } from '@koa/router';
import { principalOf, requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { emptyObject } from '../auth/schemas.js';
import { collectAlerts } from './alerts.js';

/** /api/dashboard: what the home screen shows. */
export function dashboardRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/dashboard' });
  router.get(
    '/alerts',
    requirePermission(deps.orm, 'dashboard:read'),
    validate({ query: emptyObject }),
    async (ctx) => {
      const data = await collectAlerts(deps.orm.em.fork(), principalOf(ctx));
      ctx.set('Cache-Control', 'private, no-cache');
      ctx.body = { data };
    },
  );
  return router;
}
