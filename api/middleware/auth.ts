import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import koaJwt from 'koa-jwt';
import type { Context, Middleware, Next } from 'koa';
import type { Config } from '../../config/env.js';
import { ApiKey } from '../../db/entities/index.js';
import { apiKeySecretMatches, looksLikeApiKey, parseApiKey } from '../auth/api-keys.js';
import { accessRevocations } from '../auth/revocation.js';
import { accessTokenVerifyOptions, hasAccessTokenShape, type AccessTokenClaims } from '../auth/tokens.js';
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
const PUBLIC_PREFIXES = ['/api/webhooks/'];
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

async function principalFromApiKey(orm: MikroORM, presented: string): Promise<Principal> {
  const parsed = parseApiKey(presented);
  if (!parsed) throw invalidCredentials();
  const em = orm.em.fork();
  const key = await em.findOne(ApiKey, { keyPrefix: parsed.keyPrefix }, { populate: ['createdBy'] });
  const now = new Date();
  if (
    !key ||
    !apiKeySecretMatches(parsed.secret, key.keyHash) ||
    key.revokedAt ||
    (key.expiresAt && key.expiresAt <= now) ||
    // A key acts for the admin who made it: it stops working when that account is deactivated or deleted.
    !key.createdBy?.getEntity().active
  ) {
    throw invalidCredentials();
  }
  // Coarse on purpose (one write per key per minute at most): "last used" is for spotting dead keys.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
    await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: now });
  }
  return { kind: 'api_key', userId: key.createdBy.id, role: key.role, apiKeyId: key.id };
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
 * - `bdk_…` bearer values are API keys, checked against their stored hash.
 */
export function authenticate(deps: AuthDeps): Middleware {
  const revocations = accessRevocations(deps.redis);
  const verifyJwt = koaJwt({
    secret: deps.config.jwt.secret,
    ...accessTokenVerifyOptions(deps.config),
    key: 'user',
    passthrough: false,
    isRevoked: async (_ctx, payload, token) =>
      !hasAccessTokenShape(jwt.decode(token, { complete: true })?.header, payload),
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
      ctx.state.principal = await principalFromApiKey(deps.orm, token);
      return next();
    }
    return verifyJwt(ctx, afterJwt(ctx, next));
  };
}
