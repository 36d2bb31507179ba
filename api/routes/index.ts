import { Router } from '@koa/router';
import type { AppDeps } from '../deps.js';
import { apiKeysRouter } from './api-keys/router.js';
import { authRouter } from './auth/router.js';
import { clientsRouter } from './clients/router.js';
import { connectionsRouter } from './connections/router.js';
import { dashboardRouter } from './dashboard/router.js';
import { financesRouter } from './finances/router.js';
import { healthRouter } from './health/router.js';
import { jobActionsRouter } from './job-actions/router.js';
import { jobsRouter } from './jobs/router.js';
import { messagesRouter } from './messages/router.js';
import { openApiRouter } from './openapi/router.js';
import { quotesRouter } from './quotes/router.js';
import { securityEventsRouter } from './security-events/router.js';
import { syncsRouter } from './syncs/router.js';
import { usersRouter } from './users/router.js';
import { webhooksRouter } from './webhooks/router.js';

/** Every route folder, one line each. */
const routeFolders: ReadonlyArray<(deps: AppDeps) => Router> = [
  healthRouter,
  authRouter,
  usersRouter,
  apiKeysRouter,
  securityEventsRouter,
  dashboardRouter,
  syncsRouter,
  connectionsRouter,
  quotesRouter,
  clientsRouter,
  jobsRouter,
  jobActionsRouter,
  messagesRouter,
  financesRouter,
  webhooksRouter,
];

/** One root router, so that allowedMethods sees every route when it decides between 404 and 405. */
export function createRouter(deps: AppDeps, extra: readonly Router[] = []): Router {
  const root = new Router();
  for (const build of routeFolders) root.use(build(deps).routes());
  for (const router of extra) root.use(router.routes());
  // Reads the finished route table when first asked, so it documents every route above (and itself).
  root.use(openApiRouter(() => root.stack).routes());
  return root;
}
