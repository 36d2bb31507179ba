import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CredentialsCipher } from '../db/credentials-cipher.js';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import { isVendorError, VendorError } from '../integrations/core/errors.js';
import { expiresSoon, type OAuthCredentials, type TokenSource } from '../integrations/core/tokens.js';

/** What is sealed in `vendor_connections.credentials_encrypted`: the OAuth grant plus vendor extras. */
export interface StoredCredentials extends OAuthCredentials {
  [extra: string]: unknown;
}

/** Exchanges a refresh token at the vendor (the vendor's `refreshCredentials` from integrations/<vendor>/oauth.ts). */
export type CredentialsRefresher = (refreshToken: string) => Promise<OAuthCredentials>;

/** Something worth telling the caller (sync_log, events) after a refresh attempt. */
export type RefreshOutcome =
  { kind: 'refreshed'; expiresAt?: number } | { kind: 'joined' } | { kind: 'revoked'; message: string };

export interface ConnectionTokenOptions {
  orm: MikroORM;
  cipher: CredentialsCipher;
  connectionId: string;
  refresher: CredentialsRefresher;
  onRefresh?: (outcome: RefreshOutcome) => Promise<void> | void;
}

function readSealed(cipher: CredentialsCipher, connection: VendorConnection): StoredCredentials {
  if (!connection.credentialsEncrypted) {
    throw new VendorError(connection.vendor, 'auth_revoked', 'the connection has no stored credentials');
  }
  const credentials = cipher.decrypt(connection.credentialsEncrypted) as StoredCredentials;
  if (typeof credentials.accessToken !== 'string') {
    throw new VendorError(connection.vendor, 'auth_revoked', 'the stored credentials hold no access token');
  }
  return credentials;
}

async function load(em: EntityManager, connectionId: string, lock: boolean): Promise<VendorConnection> {
  return em.findOneOrFail(
    VendorConnection,
    { id: connectionId },
    lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : { refresh: true },
  );
}

/**
 * The TokenSource of one stored connection, safe across concurrent activities and workers:
 *
 * - A refresh runs under a row lock on the connection, so exactly one caller talks to the vendor; the others wait
 *   for the lock and then find a token newer than the one that was refused, and use it ("joined").
 * - The rotated refresh token is committed before the new access token is handed out: a worker that crashes
 *   after the commit loses nothing. (One window cannot be closed from our side: the vendor has rotated but our
 *   commit did not happen. The lock keeps it to one in-flight refresh per connection.)
 * - A refused refresh (`auth_revoked`) marks the connection `needs_reauth` and is rethrown: no retry can fix it.
 */
export function connectionTokenSource(options: ConnectionTokenOptions): TokenSource {
  const { orm, cipher, connectionId } = options;

  const refresh = async (rejectedAccessToken: string): Promise<string> => {
    let outcome: RefreshOutcome | undefined;
    let revokedError: VendorError | undefined;
    const token = await orm.em.fork().transactional(async (em) => {
      const connection = await load(em, connectionId, true);
      const stored = readSealed(cipher, connection);
      if (stored.accessToken !== rejectedAccessToken && !expiresSoon(stored)) {
        outcome = { kind: 'joined' };
        return stored.accessToken;
      }
      if (!stored.refreshToken) {
        throw new VendorError(
          connection.vendor,
          'auth_revoked',
          'the access token was refused and there is no refresh token',
        );
      }
      try {
        const fresh = await options.refresher(stored.refreshToken);
        const next: StoredCredentials = {
          ...stored,
          ...fresh,
          refreshToken: fresh.refreshToken ?? stored.refreshToken,
        };
        connection.credentialsEncrypted = cipher.encrypt(next);
        connection.tokenExpiresAt = next.expiresAt ? new Date(next.expiresAt) : null;
        connection.status = 'connected';
        connection.lastError = null;
        outcome = { kind: 'refreshed', ...(next.expiresAt ? { expiresAt: next.expiresAt } : {}) };
        return next.accessToken;
      } catch (error) {
        if (!isVendorError(error, 'auth_revoked')) throw error;
        // Committed with the transaction, so the connection shows needs_reauth even though the sync fails.
        connection.status = 'needs_reauth';
        connection.lastError = error.message;
        revokedError = error;
        outcome = { kind: 'revoked', message: error.message };
        return null;
      }
    });
    if (outcome) await options.onRefresh?.(outcome);
    if (token === null) throw revokedError ?? new VendorError('unknown', 'auth_revoked', 'refresh refused');
    return token;
  };

  return {
    async accessToken() {
      const stored = readSealed(cipher, await load(orm.em.fork(), connectionId, false));
      return expiresSoon(stored) ? refresh(stored.accessToken) : stored.accessToken;
    },
    refresh,
  };
}
