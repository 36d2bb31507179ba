import { Router } from '@koa/router';
import type { Context } from 'koa';
import { checkBase, notFound, type ApiDeps } from './context.js';
import { invalidRequest } from './errors.js';
import { BASE_ID, BASE_NAME, describeTables, findTable } from './schema.js';
import { MAX_PAYLOADS_PER_PAGE, type Webhook, type WebhookSpecification } from './webhook-registry.js';

const DATA_TYPES = ['tableData', 'tableFields', 'tableMetadata'];

function specificationOf(raw: unknown): WebhookSpecification {
  const filters = (raw as { options?: { filters?: Record<string, unknown> } } | undefined)?.options?.filters;
  const dataTypes = filters?.dataTypes;
  if (!Array.isArray(dataTypes) || dataTypes.length === 0 || !dataTypes.every((type) => DATA_TYPES.includes(type))) {
    throw invalidRequest();
  }
  const scope = filters?.recordChangeScope;
  if (scope !== undefined && (typeof scope !== 'string' || !findTable(scope))) throw invalidRequest();
  return raw as WebhookSpecification;
}

/** The Webhooks API (`/v0/bases/{baseId}/webhooks…`) and the metadata endpoints (`/v0/meta/…`). */
export function webhookRouter(deps: ApiDeps): Router {
  const router = new Router();

  const hookOf = (ctx: Context): Webhook => {
    checkBase(deps, ctx.params.baseId);
    const hook = deps.state().webhooks.get(ctx.params.webhookId ?? '');
    if (!hook) throw notFound(`Could not find webhook ${String(ctx.params.webhookId)}`);
    return hook;
  };

  router.get('/v0/meta/whoami', (ctx) => {
    ctx.body = { id: deps.user.id, email: deps.user.email };
  });

  router.get('/v0/meta/bases', (ctx) => {
    ctx.body = { bases: [{ id: BASE_ID, name: BASE_NAME, permissionLevel: deps.user.permissionLevel }] };
  });

  router.get('/v0/meta/bases/:baseId/tables', (ctx) => {
    checkBase(deps, ctx.params.baseId);
    ctx.body = describeTables();
  });

  router.post('/v0/bases/:baseId/webhooks', (ctx) => {
    checkBase(deps, ctx.params.baseId);
    const body = (ctx.request.body ?? {}) as { notificationUrl?: unknown; specification?: unknown };
    const url = body.notificationUrl ?? null;
    if (url !== null && (typeof url !== 'string' || !/^https?:\/\//.test(url))) throw invalidRequest();
    const hook = deps.state().webhooks.create(url, specificationOf(body.specification));
    ctx.body = { id: hook.id, macSecretBase64: hook.macSecretBase64, expirationTime: hook.expirationTime };
  });

  router.get('/v0/bases/:baseId/webhooks', (ctx) => {
    checkBase(deps, ctx.params.baseId);
    const registry = deps.state().webhooks;
    ctx.body = { webhooks: registry.list().map((hook) => registry.describe(hook)) };
  });

  router.delete('/v0/bases/:baseId/webhooks/:webhookId', (ctx) => {
    deps.state().webhooks.delete(hookOf(ctx).id);
    ctx.body = {};
  });

  router.get('/v0/bases/:baseId/webhooks/:webhookId/payloads', (ctx) => {
    const hook = hookOf(ctx);
    const cursor = ctx.query.cursor === undefined ? 1 : Number(ctx.query.cursor);
    const limit = ctx.query.limit === undefined ? MAX_PAYLOADS_PER_PAGE : Number(ctx.query.limit);
    if (!Number.isInteger(cursor) || cursor < 1 || !Number.isInteger(limit) || limit < 1) throw invalidRequest();
    const registry = deps.state().webhooks;
    // Listing payloads extends the webhook's life by 7 days, as a refresh does.
    registry.refresh(hook);
    ctx.body = registry.payloads(hook, cursor, Math.min(limit, MAX_PAYLOADS_PER_PAGE));
  });

  router.post('/v0/bases/:baseId/webhooks/:webhookId/refresh', (ctx) => {
    const hook = hookOf(ctx);
    deps.state().webhooks.refresh(hook);
    ctx.body = { expirationTime: hook.expirationTime };
  });

  router.post('/v0/bases/:baseId/webhooks/:webhookId/enableNotifications', (ctx) => {
    const hook = hookOf(ctx);
    const enable = (ctx.request.body as { enable?: unknown } | undefined)?.enable;
    if (typeof enable !== 'boolean') throw invalidRequest();
    hook.areNotificationsEnabled = enable;
    ctx.body = {};
  });

  return router;
}
