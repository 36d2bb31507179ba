import { Router } from '@koa/router';
import type { AppDeps } from '../../deps.js';
import { liveness, readiness } from './handlers.js';

/** Probes for orchestrators; public and exempt from rate limiting (see middleware/auth.ts, rate-limit.ts). */
export function healthRouter(deps: AppDeps): Router {
  const router = new Router();
  router.get('/healthz', liveness);
  router.get('/readyz', readiness(deps));
  return router;
}
