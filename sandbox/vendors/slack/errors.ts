import type { Context } from 'koa';
import type { FaultRenderer } from '../../core/faults.js';

/**
 * A Web API failure. Slack answers almost every error with HTTP 200 and `{ok:false, error:'<code>'}`; only rate
 * limits (429) and a few transport-level cases use other statuses. Handlers throw this; the dispatcher renders it.
 */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

export function renderSlackError(ctx: Context, error: SlackApiError): void {
  ctx.status = error.status;
  ctx.set(error.headers);
  ctx.body = { ok: false, error: error.code, ...error.extra };
}

export function rateLimited(retryAfterSeconds: number): SlackApiError {
  // Body UNVERIFIED (vendor-facts §4.4); the SDK only reads the status and Retry-After.
  return new SlackApiError('ratelimited', {}, 429, { 'Retry-After': String(retryAfterSeconds) });
}

/** How control-API faults look at Slack: a 500 with an error body, and a 429 with Retry-After. */
export function slackFaultRenderers(retryAfterSeconds: () => number): FaultRenderer {
  return {
    serverError(ctx) {
      renderSlackError(ctx, new SlackApiError('internal_error', {}, 500));
    },
    throttled(ctx) {
      renderSlackError(ctx, rateLimited(retryAfterSeconds()));
    },
  };
}
