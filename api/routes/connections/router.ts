import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { connectionHandlers } from './handlers.js';
import { oauthHandlers } from './oauth-handlers.js';
import {
  authorizeBody,
  callbackQuery,
  connectionIdParams,
  createConnectionBody,
  emptyQuery,
  listConnectionsQuery,
  oauthVendorParams,
  updateConnectionBody,
} from './schemas.js';

/**
 * /api/connections (admins): vendor connections, created through the vendor's OAuth flow or from a personal
 * token. Credentials are sealed at rest and never leave the server.
 */
export function connectionsRouter(deps: AppDeps): Router {
  const handlers = connectionHandlers(deps);
  const oauth = oauthHandlers(deps);
  const read = requirePermission(deps.orm, 'connections:read');
  const manage = requirePermission(deps.orm, 'connections:manage');
  const router = new Router({ prefix: '/api/connections' });
  router.get('/', read, validate({ query: listConnectionsQuery }), handlers.list);
  router.post('/', manage, validate({ body: createConnectionBody }), handlers.create);
  router.post(
    '/oauth/:vendor/authorize',
    manage,
    validate({ params: oauthVendorParams, body: authorizeBody }),
    oauth.authorize,
  );
  // The state authenticates this one (it names the admin who started the flow); handlers check the caller too.
  router.get('/oauth/:vendor/callback', validate({ params: oauthVendorParams, query: callbackQuery }), oauth.callback);
  router.get('/:id', read, validate({ params: connectionIdParams, query: emptyQuery }), handlers.show);
  router.patch('/:id', manage, validate({ params: connectionIdParams, body: updateConnectionBody }), handlers.update);
  router.delete('/:id', manage, validate({ params: connectionIdParams }), handlers.remove);
  return router;
}
