import type { Middleware } from 'koa';
import type { AppDeps } from '../../deps.js';
import { checkDependencies } from './checks.js';

/** Liveness: answers while the process can serve HTTP at all; it checks nothing else on purpose. */
export const liveness: Middleware = (ctx) => {
  ctx.body = { status: 'ok' };
};

/** Readiness: 200 only when PostgreSQL, Redis and Temporal all answer; otherwise 503 naming what is down. */
export function readiness(deps: AppDeps): Middleware {
  return async (ctx) => {
    const checks = await checkDependencies(deps);
    const ready = Object.values(checks).every((check) => check.status === 'up');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks };
  };
}
