import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import koaJwt from 'koa-jwt';
import type { Context, Middleware, Next } from 'koa';
import type { Config } from '../../config/env.js';
import { recordSecurityEvent } from '../../db/repositories/security-events.js';
import { lookUpApiKey } from '../auth/api-key-lookup.js';
import { grantsRestApi, REST_API_SCOPE } from '../auth/api-key-scopes.js';
import { looksLikeApiKey } from '../auth/api-keys.js';
import { accessRevocations } from '../auth/revocation.js';
import {
  accessTokenKey,
  accessTokenVerifyOptions,
  hasAccessTokenShape,
  tokenHeader,
  type AccessTokenClaims,
} from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { Principal } from '../state.js';

/** Paths anyone may call; every other path needs `Authorization: Bearer <accessToken or API key>`. */
const PUBLIC_PATHS = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/api/openapi.json',
  '/api/docs',
  '/api/auth/login',
  '/api/auth/refresh',
]);
const PUBLIC_PREFIXES = ['/api/webhooks/', '/api/docs/'];
/** OAuth callbacks: the vendor sends the admin's browser (no bearer header); the single-use state authenticates. */
const PUBLIC_PATTERNS = [/^\/api\/connections\/oauth\/[^/]+\/callback$/];

/**
 * The router matches case-insensitively and ignores a trailing slash, so the public check normalises the same
 * way: what the router treats as the same route, this treats the same too.
 */
export function isPublicPath(path: string): boolean {
  const normalized = path.toLowerCase().replace(/\/+$/, '') || '/';
  return (
    PUBLIC_PATHS.has(normalized) ||
    PUBLIC_PREFIXES.some((prefix) => normalized.startsWith(prefix)) ||
    PUBLIC_PATTERNS.some((pattern) => pattern.test(normalized))
  );
}

function invalidCredentials(): AppError {
  return new AppError('unauthorized', 401, 'Missing or invalid access token');
}

function bearerToken(ctx: Context): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
  return match ? match[1]! : null;
}

function principalFromClaims(claims: AccessTokenClaims): Principal {
  return { kind: 'user', userId: claims.sub, role: claims.role, sessionId: claims.sid };
}

/**
 * A usable key acts at its role on the REST API only when it carries the `api` scope; a key made for a custom
 * webhook source is refused here with 403 (its credentials are fine, its reach is not) and the refusal is logged.
 */
async function principalFromApiKey(orm: MikroORM, ctx: Context, presented: string): Promise<Principal> {
  const lookup = await lookUpApiKey(orm, presented);
  if (!lookup.usable) throw invalidCredentials();
  const { key } = lookup;
  if (!grantsRestApi(key.scopes)) {
    await recordSecurityEvent(orm.em.fork(), {
      type: 'permission_denied',
      userId: key.userId,
      ip: ctx.ip,
      userAgent: ctx.get('User-Agent') || null,
      details: { method: ctx.method, path: ctx.path, apiKeyId: key.id, reason: 'scope', scope: REST_API_SCOPE },
    });
    const granted = key.scopes.join(', ');
    throw new AppError(
      'insufficient_scope',
      403,
      `This API key lacks the '${REST_API_SCOPE}' scope, so it cannot call the REST API (its scopes: ${granted})`,
    );
  }
  return { kind: 'api_key', userId: key.userId, role: key.role, apiKeyId: key.id };
}

/** The part of the app's dependencies authentication needs. */
export interface AuthDeps {
  readonly config: Config;
  readonly redis: Redis;
  readonly orm: MikroORM;
}

/**
 * Puts a `principal` on every non-public request or refuses it with 401.
 *
 * - Access tokens go through koa-jwt: HS256 pinned (so `alg: none` and RS/HS confusion never reach a key), issuer,
 *   audience, expiry and not-before checked, then our own claims (`hasAccessTokenShape`), then the Redis denylist
 *   of logged-out tokens and ended sessions. When Redis cannot answer, the request fails closed with 503.
 * - `bdk_…` bearer values are API keys, checked against their stored hash (api/auth/api-key-lookup.ts); a key
 *   without the `api` scope gets 403 `insufficient_scope`.
 */
export function authenticate(deps: AuthDeps): Middleware {
  const revocations = accessRevocations(deps.redis);
  const verifyJwt = koaJwt({
    // koa-jwt hands the secret to jsonwebtoken as it is; its type predates jsonwebtoken's KeyObject support.
    secret: accessTokenKey(deps.config) as unknown as Buffer,
    ...accessTokenVerifyOptions(deps.config),
    key: 'user',
    passthrough: false,
    isRevoked: async (_ctx, payload, token) => !hasAccessTokenShape(tokenHeader(token), payload),
  });

  const afterJwt = (ctx: Context, next: Next) => async () => {
    const claims = ctx.state.user!;
    let revoked: boolean;
    try {
      revoked = await revocations.isRevoked(claims);
    } catch {
      throw new AppError('service_unavailable', 503, 'Cannot check token revocation right now; try again shortly');
    }
    if (revoked) throw invalidCredentials();
    ctx.state.principal = principalFromClaims(claims);
    await next();
  };

  return async (ctx, next) => {
    if (isPublicPath(ctx.path)) return next();
    const token = bearerToken(ctx);
    if (token && looksLikeApiKey(token)) {
      ctx.state.principal = await principalFromApiKey(deps.orm, ctx, token);
      return next();
    }
    return verifyJwt(ctx, afterJwt(ctx, next));
  };
}
