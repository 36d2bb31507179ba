import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import { SessionService } from '../../auth/sessions.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { userHandlers } from './handlers.js';
import { createUserBody, listUsersQuery, setPasswordBody, updateUserBody, userIdParams } from './schemas.js';

/**
 * /api/users: admins manage everyone; any signed-in user may read their own record and change their display
 * name (the per-user rule is checked in the handlers).
 */
export function usersRouter(deps: AppDeps): Router {
  const handlers = userHandlers(deps, new SessionService(deps.orm, deps.config, deps.redis, deps.realtime));
  const admin = requirePermission(deps.orm, 'users:manage');
  const router = new Router({ prefix: '/api/users' });
  router.get('/', admin, validate({ query: listUsersQuery }), handlers.list);
  router.post('/', admin, validate({ body: createUserBody }), handlers.create);
  router.get('/:id', validate({ params: userIdParams }), handlers.show);
  router.patch('/:id', validate({ params: userIdParams, body: updateUserBody }), handlers.update);
  router.put('/:id/password', admin, validate({ params: userIdParams, body: setPasswordBody }), handlers.setPassword);
  return router;
}
