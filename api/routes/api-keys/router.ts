import { Router } from '@koa/router';
import type { Context } from 'koa';
import { USER_ROLES, type UserRole } from '../../../db/entities/enums.js';
import { ApiKey } from '../../../db/entities/index.js';
import { recordSecurityEvent } from '../../../db/repositories/security-events.js';
import { principalOf, requirePermission } from '../../auth/access.js';
import { API_KEY_SCOPE_PATTERN, DEFAULT_API_KEY_SCOPES, effectiveScopes } from '../../auth/api-key-scopes.js';
import { generateApiKey } from '../../auth/api-keys.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { afterCursor, pageQueryProperties, toPage } from '../../pagination.js';
import { validate, validated, type ObjectSchema } from '../../validation.js';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const listQuery = {
  type: 'object',
  properties: { includeRevoked: { type: 'boolean', default: false }, ...pageQueryProperties },
  additionalProperties: false,
} as const satisfies ObjectSchema;

const createBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    role: { type: 'string', enum: USER_ROLES },
    expiresAt: { type: 'string', format: 'date-time' },
    scopes: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', pattern: API_KEY_SCOPE_PATTERN, maxLength: 100 },
    },
  },
  required: ['name', 'role'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

function present(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    keyPrefix: key.keyPrefix,
    role: key.role,
    scopes: [...effectiveScopes(key.scopes)],
    createdBy: key.createdBy?.id ?? null,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/**
 * /api/api-keys: machine credentials (Slack commands, scripts, custom webhook senders), admin only; the key is
 * shown once. Scopes (api/auth/api-key-scopes.ts) say where a key works: the REST API, custom webhook sources.
 */
export function apiKeysRouter(deps: AppDeps): Router {
  const { orm } = deps;
  const router = new Router({ prefix: '/api/api-keys' });
  router.use(requirePermission(orm, 'api-keys:manage'));

  router.get('/', validate({ query: listQuery }), async (ctx) => {
    const query = validated<{ includeRevoked: boolean; limit: number; cursor?: string }>(ctx, 'query');
    const where = { $and: [afterCursor(query.cursor), query.includeRevoked ? {} : { revokedAt: null }] };
    const rows = await orm.em
      .fork()
      .find(ApiKey, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    ctx.body = toPage(rows, query.limit, present);
  });

  router.post('/', validate({ body: createBody }), async (ctx: Context) => {
    const body = validated<{ name: string; role: UserRole; expiresAt?: string; scopes?: string[] }>(ctx, 'body');
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw new AppError('validation_failed', 400, 'Request validation failed', [
        { location: 'body', path: '/expiresAt', message: 'must be in the future' },
      ]);
    }
    const principal = principalOf(ctx);
    const em = orm.em.fork();
    const generated = generateApiKey();
    const key = em.create(ApiKey, {
      name: body.name,
      role: body.role,
      keyPrefix: generated.keyPrefix,
      keyHash: generated.keyHash,
      scopes: body.scopes ?? [...DEFAULT_API_KEY_SCOPES],
      createdBy: principal.userId,
      expiresAt,
    });
    await em.flush();
    await recordSecurityEvent(em, {
      type: 'api_key_created',
      userId: principal.userId,
      ip: ctx.ip,
      details: { apiKeyId: key.id, name: key.name, role: key.role, scopes: key.scopes },
    });
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { apiKey: present(key), key: generated.key };
  });

  /** Revoking is idempotent: a second DELETE of the same key answers 204 as well. */
  router.delete('/:id', validate({ params: idParams }), async (ctx) => {
    const { id } = validated<{ id: string }>(ctx, 'params');
    const em = orm.em.fork();
    const key = await em.findOne(ApiKey, { id });
    if (!key) throw new AppError('not_found', 404, 'API key not found');
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await em.flush();
      await recordSecurityEvent(em, {
        type: 'api_key_revoked',
        userId: principalOf(ctx).userId,
        ip: ctx.ip,
        details: { apiKeyId: key.id, name: key.name },
      });
    }
    ctx.status = 204;
  });

  return router;
}
