import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OAuthVendor } from '../../../config/oauth-apps.js';

/** How long an authorize URL stays usable: long enough to sign in at the vendor, short enough to be worthless. */
export const OAUTH_STATE_TTL_SECONDS = 600;

/** What the callback needs to finish the flow the state names; kept in Redis, never sent to the browser. */
export interface PendingOAuth {
  vendor: OAuthVendor;
  userId: string;
  redirectUri: string;
  /** Airtable: the PKCE verifier whose challenge went into the authorize URL, and the base being connected. */
  codeVerifier?: string;
  airtableBase?: { id: string; name?: string };
}

/** 256 random bits, URL-safe: unguessable, so a callback can only finish a flow an admin started. */
export function newOAuthState(): string {
  return randomBytes(32).toString('base64url');
}

// Keyed by a hash, so reading Redis (a dump, MONITOR) does not hand out live states.
const keyOf = (state: string) => `oauth:state:${createHash('sha256').update(state).digest('base64url')}`;

export function oauthStates(redis: Redis) {
  return {
    async save(state: string, pending: PendingOAuth): Promise<void> {
      await redis.set(keyOf(state), JSON.stringify(pending), 'EX', OAUTH_STATE_TTL_SECONDS, 'NX');
    },
    /** Single use: GETDEL reads and deletes at once, so of two callbacks with one state only one gets it. */
    async consume(state: string): Promise<PendingOAuth | null> {
      const raw = await redis.getdel(keyOf(state));
      return raw === null ? null : (JSON.parse(raw) as PendingOAuth);
    },
  };
}
