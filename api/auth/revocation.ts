import type { Redis } from 'ioredis';
import { ACCESS_TOKEN_TTL_SECONDS, type AccessTokenClaims } from './tokens.js';

/*
 * Access tokens are stateless, so revoking one before it expires needs a shared denylist: Redis keys that
 * outlive the tokens they name by nothing (TTL = what is left of the token's life), so the list stays small.
 */
const KEY_PREFIX = 'auth:revoked';

function tokenKey(jti: string): string {
  return `${KEY_PREFIX}:token:${jti}`;
}

function sessionKey(sessionId: string): string {
  return `${KEY_PREFIX}:session:${sessionId}`;
}

export interface AccessRevocations {
  /** Revokes one access token (logout) until its own expiry. */
  revokeToken(claims: Pick<AccessTokenClaims, 'jti' | 'exp'>, now?: Date): Promise<void>;
  /** Revokes every access token of the given sessions: none of them can outlive the access-token lifetime. */
  revokeSessions(sessionIds: readonly string[]): Promise<void>;
  /** True when the token or its session was revoked. Throws when Redis cannot answer (callers fail closed). */
  isRevoked(claims: Pick<AccessTokenClaims, 'jti' | 'sid'>): Promise<boolean>;
}

export function accessRevocations(redis: Redis): AccessRevocations {
  return {
    async revokeToken(claims, now = new Date()) {
      const remaining = claims.exp - Math.floor(now.getTime() / 1000);
      if (remaining > 0) await redis.set(tokenKey(claims.jti), '1', 'EX', remaining);
    },
    async revokeSessions(sessionIds) {
      if (sessionIds.length === 0) return;
      const pipeline = redis.multi();
      for (const id of sessionIds) pipeline.set(sessionKey(id), '1', 'EX', ACCESS_TOKEN_TTL_SECONDS + 60);
      await pipeline.exec();
    },
    async isRevoked(claims) {
      return (await redis.exists(tokenKey(claims.jti), sessionKey(claims.sid))) > 0;
    },
  };
}
