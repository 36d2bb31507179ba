import type { Router, RouterContext } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { onResponseEnd } from '../middleware/response-end.js';
import type { ApiMetrics } from './api-metrics.js';
import { deliveryOutcome, webhookSenderOf } from './webhook-outcomes.js';

/** The `route` label of requests no route answers: one value, however many paths are tried. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template a request belongs to (`/api/clients/:id`), never its path. A request refused before routing
 * (401, 429) is looked up in the route table, so it still counts against its route.
 */
export function routeTemplates(root: Router): (ctx: Context) => string {
  return (ctx) => {
    const matched = (ctx as unknown as RouterContext)._matchedRoute;
    if (matched !== undefined) return String(matched);
    const layer = root.match(ctx.path, ctx.method).pathAndMethod.find((candidate) => candidate.methods.length > 0);
    return layer ? String(layer.path) : UNMATCHED_ROUTE;
  };
}

function countWebhook(metrics: ApiMetrics, ctx: Context, source: string, status: number | 'aborted'): void {
  const outcome = status === 'aborted' ? 'aborted' : deliveryOutcome(ctx, status);
  metrics.webhookDeliveries.inc({ source, outcome });
  const note = ctx.state.webhook;
  if (note?.accepted) metrics.webhookEvents.inc({ source, outcome: 'accepted' }, note.accepted);
  if (note?.duplicates) metrics.webhookEvents.inc({ source, outcome: 'duplicate' }, note.duplicates);
  if (note?.failed) metrics.webhookEvents.inc({ source, outcome: 'handoff_failed' }, note.failed);
}

/** Observes every request once its response has ended (see onResponseEnd), when the status is final. */
export function observeRequests(metrics: ApiMetrics, routeOf: (ctx: Context) => string): Middleware {
  return async (ctx, next) => {
    onResponseEnd(ctx, ({ aborted, durationMs }) => {
      const route = routeOf(ctx);
      const status = aborted ? 'aborted' : ctx.res.statusCode;
      metrics.httpDuration.observe({ method: ctx.method, route, status: String(status) }, durationMs / 1000);
      const source = webhookSenderOf(route);
      if (source) countWebhook(metrics, ctx, source, status);
    });
    await next();
  };
}
