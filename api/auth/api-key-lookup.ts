import type { MikroORM } from '@mikro-orm/postgresql';
import type { UserRole } from '../../db/entities/enums.js';
import { ApiKey } from '../../db/entities/index.js';
import { effectiveScopes } from './api-key-scopes.js';
import { apiKeySecretMatches, parseApiKey } from './api-keys.js';

/** A presented key that may act: right secret, live, and its creator still active. */
export interface UsableApiKey {
  id: string;
  role: UserRole;
  /** The admin the key acts for. */
  userId: string;
  /** Never empty: a key stored without scopes has the default ones (see `effectiveScopes`). */
  scopes: readonly string[];
}

/** Why a presented key cannot act; for the security log only, never for the caller. */
export type ApiKeyRefusal = 'malformed' | 'unknown' | 'secret_mismatch' | 'revoked' | 'expired' | 'creator_inactive';

export type ApiKeyLookup = { usable: true; key: UsableApiKey } | { usable: false; reason: ApiKeyRefusal };

/** "Last used" is for spotting dead keys, so one write per key a minute is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Finds the key a caller presented and checks everything but its scopes, which depend on what it is used for
 * (the REST API, a custom webhook source): the caller checks those. Touches `lastUsedAt` of a usable key.
 */
export async function lookUpApiKey(orm: MikroORM, presented: string): Promise<ApiKeyLookup> {
  const parsed = parseApiKey(presented);
  if (!parsed) return { usable: false, reason: 'malformed' };
  const em = orm.em.fork();
  const key = await em.findOne(ApiKey, { keyPrefix: parsed.keyPrefix }, { populate: ['createdBy'] });
  if (!key) return { usable: false, reason: 'unknown' };
  if (!apiKeySecretMatches(parsed.secret, key.keyHash)) return { usable: false, reason: 'secret_mismatch' };
  const now = new Date();
  if (key.revokedAt) return { usable: false, reason: 'revoked' };
  if (key.expiresAt && key.expiresAt <= now) return { usable: false, reason: 'expired' };
  // A key acts for the admin who made it: it stops working when that account is deactivated or deleted.
  const creator = key.createdBy?.getEntity();
  if (!creator?.active) return { usable: false, reason: 'creator_inactive' };
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: now });
  }
  return { usable: true, key: { id: key.id, role: key.role, userId: creator.id, scopes: effectiveScopes(key.scopes) } };
}
