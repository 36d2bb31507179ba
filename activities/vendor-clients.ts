import type { Vendor } from '../db/entities/enums.js';
import { VendorError } from '../integrations/core/errors.js';
import type { ServiceClient } from '../integrations/core/service-client.js';
import type { TokenSource } from '../integrations/core/tokens.js';
import { createAirtableClient } from '../integrations/airtable/client.js';
import { createAirtableOAuth } from '../integrations/airtable/oauth.js';
import { createGoogleCalendarClient } from '../integrations/google/client.js';
import { googleOAuth } from '../integrations/google/oauth.js';
import { createJobberClient } from '../integrations/jobber/client.js';
import { createJobberOAuth } from '../integrations/jobber/oauth.js';
import { createQuickbooksClient } from '../integrations/quickbooks/client.js';
import { createQuickbooksOAuth } from '../integrations/quickbooks/oauth.js';
import { defaultActionClients, type ActionClients } from './action-clients.js';
import type { CredentialsRefresher, StoredCredentials } from './connection-tokens.js';

/**
 * What a connection keeps next to its tokens (all sealed together): the OAuth app that issued them and, for
 * sandbox or regional accounts, where the vendor's API lives. Absent endpoints mean the vendor's real URLs.
 */
export interface ConnectionSecrets extends StoredCredentials {
  oauth?: { clientId: string; clientSecret?: string; tokenUrl?: string };
  endpoints?: { graphqlUrl?: string; v3EndpointBaseUrl?: string; rootUrl?: string; endpointUrl?: string };
  calendarId?: string;
  /** Who outbound messages come from: a Twilio number or Messaging Service, an email sender. */
  sender?: { phoneNumber?: string; messagingServiceSid?: string; email?: string; name?: string };
  /**
   * What the API checks this vendor's webhooks with: SendGrid's Event Webhook verification key (base64 DER, as its
   * settings page shows it), Slack's signing secret, QuickBooks' webhook verifier token. Twilio signs with the auth
   * token (`accessToken`), Jobber with the OAuth client secret (`oauth.clientSecret`).
   */
  webhook?: { publicKey?: string; signingSecret?: string; verifierToken?: string };
}

export interface ConnectionRef {
  vendor: Vendor;
  externalAccountId: string;
}

/** Builds the vendor clients activities use; injected (ActivityDeps.vendors) so tests and benchmarks can tune it. */
export interface VendorClients {
  client(connection: ConnectionRef, secrets: ConnectionSecrets, tokens: TokenSource): ServiceClient;
  refresher(connection: ConnectionRef, secrets: ConnectionSecrets): CredentialsRefresher;
  /** Records per page; vendors cap it themselves. */
  readonly pageSize?: number;
  /** Clients for outbound actions (sends, quotes, calendar and Drive writes). */
  readonly actions: ActionClients;
}

/** A personal token or API key has nothing to refresh with: a 401 means it was revoked, and only a new one helps. */
function cannotRefresh(connection: ConnectionRef): CredentialsRefresher {
  return async () => {
    throw new VendorError(connection.vendor, 'auth_revoked', 'a personal token cannot be refreshed: connect again');
  };
}

/** Per-request timeout of every vendor call; tests shorten it to exercise timeouts quickly. */
export interface VendorClientTuning {
  timeoutMs?: number;
}

export function defaultVendorClients(pageSize?: number, tuning: VendorClientTuning = {}): VendorClients {
  const size = pageSize ? { pageSize } : {};
  const timeout = tuning.timeoutMs ? { timeoutMs: tuning.timeoutMs } : {};
  return {
    ...size,
    actions: defaultActionClients(tuning),
    client(connection, secrets, tokens) {
      const endpoints = secrets.endpoints ?? {};
      switch (connection.vendor) {
        case 'jobber':
          return createJobberClient({
            tokens,
            ...size,
            ...timeout,
            ...(endpoints.graphqlUrl ? { graphqlUrl: endpoints.graphqlUrl } : {}),
          });
        case 'quickbooks':
          return createQuickbooksClient({
            tokens,
            realmId: connection.externalAccountId,
            ...size,
            ...(tuning.timeoutMs ? { requestTimeoutMs: tuning.timeoutMs } : {}),
            ...(endpoints.v3EndpointBaseUrl ? { v3EndpointBaseUrl: endpoints.v3EndpointBaseUrl } : {}),
          });
        case 'google':
          return createGoogleCalendarClient({
            tokens,
            ...size,
            ...timeout,
            ...(secrets.calendarId ? { calendarId: secrets.calendarId } : {}),
            ...(endpoints.rootUrl ? { rootUrl: endpoints.rootUrl } : {}),
          });
        case 'airtable':
          return createAirtableClient({
            tokens,
            baseId: connection.externalAccountId,
            ...size,
            ...(tuning.timeoutMs ? { requestTimeoutMs: tuning.timeoutMs } : {}),
            ...(endpoints.endpointUrl ? { endpointUrl: endpoints.endpointUrl } : {}),
          });
        default:
          throw new VendorError(connection.vendor, 'validation', 'this vendor has no data to sync');
      }
    },
    refresher(connection, secrets) {
      const app = secrets.oauth;
      if (!app) return cannotRefresh(connection);
      const tokenUrl = app.tokenUrl ? { tokenUrl: app.tokenUrl } : {};
      switch (connection.vendor) {
        case 'jobber': {
          const oauth = createJobberOAuth({
            clientId: app.clientId,
            clientSecret: app.clientSecret ?? '',
            ...tokenUrl,
          });
          return (token) => oauth.refreshCredentials(token);
        }
        case 'quickbooks': {
          const oauth = createQuickbooksOAuth({
            clientId: app.clientId,
            clientSecret: app.clientSecret ?? '',
            ...tokenUrl,
          });
          return (token) => oauth.refreshCredentials(token);
        }
        case 'google': {
          const oauth = googleOAuth({
            clientId: app.clientId,
            clientSecret: app.clientSecret ?? '',
            ...(app.tokenUrl ? { tokenEndpoint: app.tokenUrl } : {}),
          });
          return (token) => oauth.refreshCredentials(token);
        }
        case 'airtable': {
          const oauth = createAirtableOAuth({
            clientId: app.clientId,
            clientSecret: app.clientSecret ?? null,
            baseId: connection.externalAccountId,
            ...tokenUrl,
          });
          return (token) => oauth.refreshCredentials(token);
        }
        default:
          throw new VendorError(connection.vendor, 'validation', 'this vendor has no OAuth refresh');
      }
    },
  };
}
