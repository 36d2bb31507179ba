import { retryAfterMs, VendorError } from '../core/errors.js';
import type { OAuthCredentials } from '../core/tokens.js';
import { THROTTLE_PAUSE_MS, toVendorError, VENDOR } from './errors.js';

/*
 * Intuit OAuth 2.0 as plain HTTP (vendor-facts §2.1). node-quickbooks' own refreshAccessToken reads a static,
 * process-wide TOKEN_URL and mutates the instance, so it does not fit per-connection credentials.
 */
export const INTUIT_OAUTH_URLS = {
  authorize: 'https://appcenter.intuit.com/connect/oauth2',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
} as const;

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

export interface QuickbooksOAuthConfig {
  clientId: string;
  clientSecret: string;
  authorizeUrl?: string;
  tokenUrl?: string;
  revokeUrl?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export interface QuickbooksConnection {
  credentials: OAuthCredentials;
  /** The company (realm) the user connected. */
  account: { externalAccountId: string; displayName?: string };
}

export interface QuickbooksOAuth {
  /** Where to send the user; Intuit redirects back with `code`, `state` and `realmId`. */
  authorizeUrl(params: { redirectUri: string; state: string; scopes?: readonly string[] }): string;
  /** `realmId` comes from the consent redirect, not from the token reply. */
  exchangeCode(params: { code: string; redirectUri: string; realmId: string }): Promise<QuickbooksConnection>;
  /** Intuit may rotate the refresh token on any refresh; the returned one is the one to keep. */
  refreshCredentials(refreshToken: string): Promise<OAuthCredentials>;
  /** Ends the connection (either token works). */
  revoke(token: string): Promise<void>;
}

interface TokenReply {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
}

function credentialsFrom(reply: TokenReply, previousRefreshToken?: string): OAuthCredentials {
  if (typeof reply.access_token !== 'string' || !reply.access_token) {
    throw new VendorError(VENDOR, 'transient', 'malformed token reply: no access_token');
  }
  const refreshToken = typeof reply.refresh_token === 'string' ? reply.refresh_token : previousRefreshToken;
  const expiresIn = Number(reply.expires_in);
  return {
    accessToken: reply.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: Date.now() + expiresIn * 1000 } : {}),
  };
}

/** An OAuth error reply as a VendorError; `invalid_grant` means the user's grant is gone. */
function oauthFailure(status: number, body: TokenReply | undefined, retryAfter: string | null): VendorError {
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const message = `token endpoint: HTTP ${status}${error ? ` ${error}` : ''}`;
  const details = { status, code: error };
  if (error === 'invalid_grant') return new VendorError(VENDOR, 'auth_revoked', message, details);
  if (status === 429) {
    return new VendorError(VENDOR, 'rate_limited', message, {
      ...details,
      retryAfterMs: retryAfterMs(retryAfter) ?? THROTTLE_PAUSE_MS,
    });
  }
  if (status >= 500 || status === 408) return new VendorError(VENDOR, 'transient', message, details);
  // invalid_client and the like: our app's configuration is wrong, which no retry or re-consent fixes.
  return new VendorError(VENDOR, 'validation', message, details);
}

export function createQuickbooksOAuth(config: QuickbooksOAuthConfig): QuickbooksOAuth {
  const urls = {
    authorize: config.authorizeUrl ?? INTUIT_OAUTH_URLS.authorize,
    token: config.tokenUrl ?? INTUIT_OAUTH_URLS.token,
    revoke: config.revokeUrl ?? INTUIT_OAUTH_URLS.revoke,
  };
  const timeoutMs = config.timeoutMs ?? 30_000;
  const basic = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`;

  async function post(url: string, form: Record<string, string>): Promise<TokenReply> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basic,
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw toVendorError(error);
    }
    const text = await response.text().catch(() => '');
    let body: TokenReply | undefined;
    try {
      body = text ? (JSON.parse(text) as TokenReply) : {};
    } catch {
      body = undefined;
    }
    if (!response.ok) throw oauthFailure(response.status, body, response.headers.get('retry-after'));
    if (body === undefined) throw new VendorError(VENDOR, 'transient', 'malformed token reply: not JSON');
    return body;
  }

  return {
    authorizeUrl({ redirectUri, state, scopes = [ACCOUNTING_SCOPE] }) {
      const url = new URL(urls.authorize);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', scopes.join(' '));
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('state', state);
      return url.toString();
    },

    async exchangeCode({ code, redirectUri, realmId }) {
      const reply = await post(urls.token, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
      return { credentials: credentialsFrom(reply), account: { externalAccountId: realmId } };
    },

    async refreshCredentials(refreshToken) {
      const reply = await post(urls.token, { grant_type: 'refresh_token', refresh_token: refreshToken });
      return credentialsFrom(reply, refreshToken);
    },

    async revoke(token) {
      await post(urls.revoke, { token });
    },
  };
}
