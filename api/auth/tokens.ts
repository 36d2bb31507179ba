import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../../config/env.js';
import { USER_ROLES, type UserRole } from '../../db/entities/enums.js';

/** Architecture §4: access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** RFC 9068 / RFC 8725 §3.11 explicit typing: the header says what kind of JWT this is. */
export const ACCESS_TOKEN_MEDIA_TYPE = 'at+jwt';

/** The only algorithm accepted; pinned so `alg: none` and HS/RS confusion never reach a key. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256' satisfies jwt.Algorithm;

/** What every valid access token carries, all checked on each request. */
export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  role: UserRole;
  typ: 'access';
  /** Token id: logout revokes exactly this token until it expires. */
  jti: string;
  /** Session id (the refresh-token family): revoking a session revokes its access tokens too. */
  sid: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

export interface SignedAccessToken {
  token: string;
  claims: AccessTokenClaims;
  expiresIn: number;
}

export function signAccessToken(
  config: Config,
  subject: { userId: string; role: UserRole; sessionId: string },
  now: Date = new Date(),
): SignedAccessToken {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: AccessTokenClaims = {
    sub: subject.userId,
    role: subject.role,
    typ: 'access',
    jti: randomUUID(),
    sid: subject.sessionId,
    iss: config.jwt.issuer,
    aud: config.jwt.audience,
    iat,
    exp: iat + ACCESS_TOKEN_TTL_SECONDS,
  };
  const token = jwt.sign(claims, accessTokenKey(config), {
    algorithm: ACCESS_TOKEN_ALGORITHM,
    header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_MEDIA_TYPE },
  });
  return { token, claims, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

const signingKeys = new Map<string, KeyObject>();

/**
 * The HS256 key as a KeyObject, made once per secret. Given a string, jsonwebtoken 9 first tries to read it as a
 * public key on every call (and fails, expensively) before making a secret key of it: at a few thousand requests a
 * second that was the largest single cost of an authenticated request.
 */
export function accessTokenKey(config: Config): KeyObject {
  let key = signingKeys.get(config.jwt.secret);
  if (!key) {
    key = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
    signingKeys.set(config.jwt.secret, key);
  }
  return key;
}

/** jsonwebtoken options shared by koa-jwt (HTTP) and `verifyAccessToken` (socket.io). */
export function accessTokenVerifyOptions(config: Config): {
  algorithms: jwt.Algorithm[];
  issuer: string;
  audience: string;
} {
  return { algorithms: [ACCESS_TOKEN_ALGORITHM], issuer: config.jwt.issuer, audience: config.jwt.audience };
}

/** How far ahead of our clock an issuing clock may be. */
const CLOCK_SKEW_SECONDS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The checks jsonwebtoken does not make: header type, our claims, and a lifetime no longer than we issue (a
 * token minted with a stolen key for a year is still refused). Signature, alg, iss, aud, exp and nbf were
 * verified before this is called.
 */
export function hasAccessTokenShape(
  header: unknown,
  payload: unknown,
  now: number = Date.now() / 1000,
): payload is AccessTokenClaims {
  if (header === null || typeof header !== 'object' || payload === null || typeof payload !== 'object') return false;
  const fields = header as Record<string, unknown>;
  // RFC 7515 §4.1.11: a `crit` extension we do not understand makes the token invalid (jsonwebtoken ignores it).
  if (fields.typ !== ACCESS_TOKEN_MEDIA_TYPE || fields.crit !== undefined) return false;
  const claims = payload as Record<string, unknown>;
  return (
    claims.typ === 'access' &&
    isUuid(claims.sub) &&
    isUuid(claims.jti) &&
    isUuid(claims.sid) &&
    (USER_ROLES as readonly unknown[]).includes(claims.role) &&
    typeof claims.iat === 'number' &&
    typeof claims.exp === 'number' &&
    claims.exp - claims.iat <= ACCESS_TOKEN_TTL_SECONDS &&
    // Issued in the future is forged or from a badly wrong clock: it would outlive every revocation.
    claims.iat <= now + CLOCK_SKEW_SECONDS
  );
}

/** The decoded JOSE header of a compact JWT, or null; for a token whose signature was already verified. */
export function tokenHeader(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** Full verification of an access token's signature and claims (not revocation); throws on anything invalid. */
export function verifyAccessToken(token: string, config: Config): AccessTokenClaims {
  const decoded = jwt.verify(token, accessTokenKey(config), { ...accessTokenVerifyOptions(config), complete: true });
  if (!hasAccessTokenShape(decoded.header, decoded.payload)) {
    throw new jwt.JsonWebTokenError('not an access token');
  }
  return decoded.payload;
}
