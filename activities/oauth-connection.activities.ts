import { LockMode } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/activity';
import type { OAuthApp, OAuthVendor } from '../config/oauth-apps.js';
import { CredentialsUnreadableError } from '../db/credentials-cipher.js';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import { createAirtableOAuth } from '../integrations/airtable/oauth.js';
import { googleOAuth } from '../integrations/google/oauth.js';
import { createJobberOAuth } from '../integrations/jobber/oauth.js';
import { createQuickbooksOAuth } from '../integrations/quickbooks/oauth.js';
import type { OAuthCredentials } from '../integrations/core/tokens.js';
import { VendorError } from '../integrations/core/errors.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActivityDeps } from './deps.js';
import type { ConnectionSecrets } from './vendor-clients.js';
import { vendorStep } from './vendor-failures.js';

/**
 * What the API hands the worker for one code exchange. It travels sealed with the credentials cipher, so the
 * code, the PKCE verifier and our client secret never appear in the workflow history in clear.
 */
export interface OAuthExchange {
  vendor: OAuthVendor;
  code: string;
  redirectUri: string;
  app: Pick<OAuthApp, 'clientId' | 'clientSecret' | 'tokenUrl' | 'tokenInfoUrl' | 'endpoints'>;
  /** QuickBooks: the company, from the callback's `realmId` (the token reply does not name it). */
  realmId?: string;
  /** Airtable: the PKCE verifier kept with the state, and the base the connection syncs. */
  codeVerifier?: string;
  airtableBase?: { id: string; name?: string };
}

/** The exchange's outcome: the account and its secrets, sealed (only ciphertext goes into the history). */
export interface ExchangedOAuthCode {
  vendor: OAuthVendor;
  externalAccountId: string;
  displayName?: string;
  /** Epoch ms of the access token's expiry, when the vendor said. */
  tokenExpiresAt?: number;
  sealedSecrets: string;
}

export interface StoredOAuthConnection {
  connectionId: string;
  created: boolean;
}

interface ExchangeResult {
  credentials: OAuthCredentials;
  account: { externalAccountId: string; displayName?: string };
}

/** The code for tokens at the vendor, through the vendor's own OAuth module. */
function exchange(request: OAuthExchange): Promise<ExchangeResult> {
  const { app, code, redirectUri } = request;
  const tokenUrl = app.tokenUrl ? { tokenUrl: app.tokenUrl } : {};
  switch (request.vendor) {
    case 'jobber':
      return createJobberOAuth({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        ...tokenUrl,
        ...(app.endpoints?.graphqlUrl ? { graphqlUrl: app.endpoints.graphqlUrl } : {}),
      }).exchangeCode({ code, redirectUri });
    case 'quickbooks':
      if (!request.realmId) throw new VendorError('quickbooks', 'validation', 'the callback carried no realmId');
      return createQuickbooksOAuth({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        ...tokenUrl,
      }).exchangeCode({ code, redirectUri, realmId: request.realmId });
    case 'google':
      return googleOAuth({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        ...(app.tokenUrl ? { tokenEndpoint: app.tokenUrl } : {}),
        ...(app.tokenInfoUrl ? { tokenInfoEndpoint: app.tokenInfoUrl } : {}),
      }).exchangeCode({ code, redirectUri });
    case 'airtable':
      if (!request.airtableBase || !request.codeVerifier) {
        throw new VendorError('airtable', 'validation', 'the exchange lacks the base or the PKCE verifier');
      }
      return createAirtableOAuth({
        clientId: app.clientId,
        clientSecret: app.clientSecret || null,
        baseId: request.airtableBase.id,
        ...(request.airtableBase.name ? { baseName: request.airtableBase.name } : {}),
        ...tokenUrl,
      }).exchangeCode({ code, codeVerifier: request.codeVerifier, redirectUri });
  }
}

export function createOAuthConnectionActivities({ orm, credentials, events }: ActivityDeps) {
  return {
    /**
     * Exchanges the authorization code. Not repeatable once it succeeded (a code works once), which is why it
     * returns sealed secrets for `storeOAuthConnection` instead of writing them itself: a failed write is retried
     * without a second exchange.
     */
    async exchangeOAuthCode(input: { vendor: OAuthVendor; sealedExchange: string }): Promise<ExchangedOAuthCode> {
      let request: OAuthExchange;
      try {
        request = credentials.decrypt(input.sealedExchange) as unknown as OAuthExchange;
      } catch (error) {
        if (!(error instanceof CredentialsUnreadableError)) throw error;
        throw ApplicationFailure.nonRetryable(error.message, failureTypes.credentialsUnreadable);
      }
      const { credentials: tokens, account } = await vendorStep(() => exchange(request));
      const secrets: ConnectionSecrets = {
        ...tokens,
        oauth: {
          clientId: request.app.clientId,
          clientSecret: request.app.clientSecret,
          ...(request.app.tokenUrl ? { tokenUrl: request.app.tokenUrl } : {}),
        },
        ...(request.app.endpoints ? { endpoints: { ...request.app.endpoints } } : {}),
      };
      return {
        vendor: input.vendor,
        externalAccountId: account.externalAccountId,
        ...(account.displayName ? { displayName: account.displayName } : {}),
        ...(tokens.expiresAt !== undefined ? { tokenExpiresAt: tokens.expiresAt } : {}),
        sealedSecrets: credentials.encrypt(secrets),
      };
    },

    /**
     * Upserts the connection by (vendor, account): a reconnect of the same account replaces its credentials and
     * clears its error but keeps its id, name and sync cursors. Safe to repeat.
     */
    async storeOAuthConnection(exchanged: ExchangedOAuthCode): Promise<StoredOAuthConnection> {
      const stored = await orm.em.fork().transactional(async (em) => {
        const key = { vendor: exchanged.vendor, externalAccountId: exchanged.externalAccountId };
        const tokenExpiresAt = exchanged.tokenExpiresAt === undefined ? null : new Date(exchanged.tokenExpiresAt);
        const existing = await em.findOne(VendorConnection, key, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (existing) {
          existing.credentialsEncrypted = exchanged.sealedSecrets;
          existing.status = 'connected';
          existing.lastError = null;
          existing.tokenExpiresAt = tokenExpiresAt;
          existing.displayName ??= exchanged.displayName ?? null;
          await em.flush();
          return { connectionId: existing.id, created: false };
        }
        const row = em.create(VendorConnection, {
          ...key,
          displayName: exchanged.displayName ?? null,
          credentialsEncrypted: exchanged.sealedSecrets,
          tokenExpiresAt,
        });
        await em.flush();
        return { connectionId: row.id, created: true };
      });
      await events.publish('connection.connected', { ...stored, vendor: exchanged.vendor });
      return stored;
    },
  };
}
