import { Router } from '@koa/router';
import Koa, { type Context } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import type { SlackMessage } from '../../core/world.js';
import type { Caller, SlackAuth } from './auth.js';
import { rateLimited, renderSlackError, SlackApiError, slackFaultRenderers } from './errors.js';
import { authorizePage } from './methods/auth.js';
import { receiveUpload } from './methods/files.js';
import { SLACK_METHODS } from './methods/index.js';
import type { SlackSimulatorOptions } from './options.js';
import type { RateLimiter } from './rate-limits.js';
import { readArgs, readRawBody } from './request.js';
import type { SlackState } from './state.js';

export interface SlackAppDeps {
  sandbox: Sandbox;
  state: SlackState;
  auth: SlackAuth;
  limiter: RateLimiter;
  options: SlackSimulatorOptions;
  posted(message: SlackMessage): void;
}

/** Checks the token, then the method's scope (`missing_scope` names what was needed and what the token has). */
function authorize(deps: SlackAppDeps, ctx: Context, token: unknown, scope: string | undefined): Caller {
  const caller = deps.auth.authenticate(ctx.get('authorization'), token);
  ctx.set('X-OAuth-Scopes', caller.scopes.join(','));
  if (scope) {
    ctx.set('X-Accepted-OAuth-Scopes', scope);
    if (!caller.scopes.includes(scope)) {
      throw new SlackApiError('missing_scope', { needed: scope, provided: caller.scopes.join(',') });
    }
  }
  return caller;
}

async function callMethod(deps: SlackAppDeps, ctx: Context, name: string): Promise<void> {
  const method = Object.hasOwn(SLACK_METHODS, name) ? SLACK_METHODS[name] : undefined;
  if (!method) {
    throw new SlackApiError('unknown_method', { req_method: name }, deps.options.unknownMethodStatus);
  }
  const args = await readArgs(ctx, await readRawBody(ctx));
  const caller = method.public ? null : authorize(deps, ctx, args.token, method.scope);
  if (deps.sandbox.settings.rateLimits) {
    const key = method.rateKey?.(args) ?? name;
    const retryAfter = deps.limiter.take(key, deps.options.rateLimits[method.tier]);
    if (retryAfter > 0) throw rateLimited(retryAfter);
  }
  const result = await method.run({ ctx, ...deps, args, caller });
  ctx.status = 200;
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = result;
}

/** Slack's HTTP surface: the Web API under /api/<method>, the v2 upload URLs, and the OAuth install page. */
export function createSlackApp(deps: SlackAppDeps): Koa {
  const router = new Router();
  router.all('/api/:method', (ctx) => callMethod(deps, ctx, ctx.params.method ?? ''));
  router.post('/upload/v1/:token', async (ctx) => {
    const raw = await readRawBody(ctx);
    receiveUpload(deps.state, ctx, ctx.params.token ?? '', raw, await readArgs(ctx, raw));
  });
  router.get('/oauth/v2/authorize', (ctx) => authorizePage(ctx, deps.auth));

  const app = new Koa();
  app.use(
    deps.sandbox.faults.middleware(
      'slack',
      slackFaultRenderers(() => deps.options.rateLimits.faultRetryAfterSeconds),
    ),
  );
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof SlackApiError) return renderSlackError(ctx, error);
      ctx.app.emit('error', error, ctx);
      renderSlackError(ctx, new SlackApiError('internal_error', {}, 500));
    }
  });
  app.use(router.routes());
  return app;
}
