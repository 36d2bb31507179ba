import jwt from 'jsonwebtoken';
import koaJwt from 'koa-jwt';
import type { Middleware } from 'koa';
import type { Config } from '../../config/env.js';
import type { AccessTokenClaims } from '../state.js';

/** Paths anyone may call; every other path needs `Authorization: Bearer <accessToken>`. */
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

/**
 * The router matches case-insensitively and ignores a trailing slash, so the public check normalises the same
 * way: what the router treats as the same route, this treats the same too.
 */
export function isPublicPath(path: string): boolean {
  const normalized = path.toLowerCase().replace(/\/+$/, '') || '/';
  return PUBLIC_PATHS.has(normalized) || PUBLIC_PREFIXES.some((prefix) => normalized.startsWith(prefix));
}

/** One definition of a valid access token for HTTP (koa-jwt) and socket.io alike. */
export function tokenVerifyOptions(config: Config): { algorithms: jwt.Algorithm[]; issuer: string; audience: string } {
  return { algorithms: ['HS256'], issuer: config.jwt.issuer, audience: config.jwt.audience };
}

function isAccessClaims(payload: unknown): payload is AccessTokenClaims {
  if (payload === null || typeof payload !== 'object') return false;
  const claims = payload as Record<string, unknown>;
  return typeof claims.sub === 'string' && claims.sub !== '' && (claims.typ === undefined || claims.typ === 'access');
}

/** Verifies an access token outside Koa (socket.io handshake); throws on anything not valid. */
export function verifyAccessToken(token: string, config: Config): AccessTokenClaims {
  const payload = jwt.verify(token, config.jwt.secret, tokenVerifyOptions(config));
  if (!isAccessClaims(payload)) throw new jwt.JsonWebTokenError('not an access token');
  return payload;
}

/**
 * koa-jwt with HS256 pinned (an `alg: none` or RS/HS confusion token is refused), issuer and audience
 * checked, and no passthrough: a protected route never runs without `ctx.state.user`.
 */
export function authenticate(config: Config): Middleware {
  const verify = koaJwt({
    secret: config.jwt.secret,
    ...tokenVerifyOptions(config),
    key: 'user',
    passthrough: false,
    // koa-jwt's own hook, used to add our claim checks (subject present, not a refresh token).
    isRevoked: async (_ctx, decoded) => !isAccessClaims(decoded),
  });
  // koa-jwt's `.unless` goes through the deprecated url.parse (DEP0169); this check is one line.
  return (ctx, next) => (isPublicPath(ctx.path) ? next() : verify(ctx, next));
}
