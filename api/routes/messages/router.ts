import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { messageHandlers } from './handlers.js';
import {
  emptyQuery,
  listMessagesQuery,
  listThreadsQuery,
  messageIdParams,
  sendMessageBody,
  sendSlackMessageBody,
} from './schemas.js';

/**
 * /api/messages: outbound SMS, email and Slack messages are queued here and delivered by one Temporal workflow
 * each (workflows/deliver-message.ts); the API itself never calls a vendor.
 */
export function messagesRouter(deps: AppDeps): Router {
  const handlers = messageHandlers(deps);
  const read = requirePermission(deps.orm, 'messages:read');
  const send = requirePermission(deps.orm, 'messages:send');
  const router = new Router({ prefix: '/api/messages' });
  router.post('/', send, validate({ body: sendMessageBody }), handlers.send);
  router.post('/slack', send, validate({ body: sendSlackMessageBody }), handlers.sendSlack);
  router.get('/', read, validate({ query: listMessagesQuery }), handlers.list);
  // Before '/:id', which would otherwise take "threads" for an id (and refuse it as no uuid).
  router.get('/threads', read, validate({ query: listThreadsQuery }), handlers.threads);
  router.get('/:id', read, validate({ params: messageIdParams, query: emptyQuery }), handlers.show);
  router.post('/:id/read', send, validate({ params: messageIdParams }), handlers.markRead);
  return router;
}
