import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RefreshToken, User } from '../../db/entities/index.js';
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.js';
import type { ClientInfo } from './client-info.js';

/** Architecture §4: refresh tokens live 7 days; each rotation starts a new 7 days (idle timeout). */
export const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * Opaque refresh tokens: 256 random bits, of which only a SHA-256 is stored (a fast hash is right for a random
 * secret; nothing to brute-force). A database leak yields no usable token.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewRefreshToken {
  token: string;
  row: RefreshToken;
}

/** Persists (on the next flush) a new token of `familyId`; a login passes a fresh family. */
export function createRefreshToken(
  em: EntityManager,
  user: User,
  familyId: string,
  client: ClientInfo,
  now: Date,
): NewRefreshToken {
  const token = randomBytes(32).toString('base64url');
  const row = em.create(RefreshToken, {
    user,
    familyId,
    tokenHash: hashRefreshToken(token),
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
    createdIp: client.ip.slice(0, 64),
    userAgent: client.userAgent?.slice(0, 1000) ?? null,
  });
  return { token, row };
}

export function newFamilyId(): string {
  return randomUUID();
}

/** Revokes every still-valid token of the given families; returns how many were revoked. */
export async function revokeFamilies(em: EntityManager, familyIds: readonly string[], now: Date): Promise<number> {
  if (familyIds.length === 0) return 0;
  return em.nativeUpdate(RefreshToken, { familyId: { $in: [...familyIds] }, revokedAt: null }, { revokedAt: now });
}

/**
 * The sessions of a user that may still hold a live access token: every family with an unrevoked refresh token,
 * and every family that issued anything within the access-token lifetime (an access token is always issued
 * together with a refresh token, so no live access token belongs to a family outside this list).
 */
export async function liveFamiliesOf(em: EntityManager, userId: string, now: Date, except?: string): Promise<string[]> {
  const recent = new Date(now.getTime() - (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000);
  const rows = await em.find(
    RefreshToken,
    {
      user: userId,
      $or: [{ revokedAt: null, expiresAt: { $gt: now } }, { createdAt: { $gt: recent } }],
      ...(except ? { familyId: { $ne: except } } : {}),
    },
    { fields: ['familyId'] },
  );
  return [...new Set(rows.map((row) => row.familyId))];
}
