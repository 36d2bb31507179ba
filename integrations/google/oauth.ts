import { isNetworkFailure, retryAfterMs, VendorError } from '../core/errors.js';
import type { OAuthCredentials } from '../core/tokens.js';
import { DEFAULT_RATE_LIMIT_BACKOFF_MS, VENDOR } from './errors.js';

/*
 * Google's OAuth 2.0 web-server flow as plain HTTP. Not google-auth-library's OAuth2Client: it forces its own
 * retries on the token endpoint (OAuth2Client.RETRY_CONFIG) and keeps the refresh token in its own state, while
 * here the workflow engine retries and the connection's TokenSource owns the tokens.
 */

export interface GoogleOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Default `https://accounts.google.com/o/oauth2/v2/auth`. */
  authorizeEndpoint?: string;
  /** Default `https://oauth2.googleapis.com/token`. */
  tokenEndpoint?: string;
  /** Default `https://oauth2.googleapis.com/tokeninfo`; gives the account's email when the email scope was granted. */
  tokenInfoEndpoint?: string;
  /** The account's email when it is already known; skips the tokeninfo lookup. */
  accountEmail?: string;
  timeoutMs?: number;
}

export interface AuthorizeRequest {
  redirectUri: string;
  state: string;
  /** Default: read and write calendar events, plus the email address (the account id). */
  scopes?: readonly string[];
  loginHint?: string;
}

export interface ConnectedAccount {
  credentials: OAuthCredentials;
  account: { externalAccountId: string; displayName?: string };
}

export const DEFAULT_SCOPES = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/userinfo.email',
] as const;

interface TokenReply {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    if (isNetworkFailure(error)) {
      throw new VendorError(VENDOR, 'transient', `OAuth request failed: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, headers: response.headers };
}

/** A token-endpoint failure as a VendorError; `invalidGrant` says what invalid_grant means for this grant type. */
function tokenError(
  status: number,
  body: unknown,
  headers: Headers,
  invalidGrant: 'auth_revoked' | 'validation',
): VendorError {
  const reply = (body ?? {}) as TokenReply;
  const code = typeof reply.error === 'string' ? reply.error : undefined;
  const text = `token endpoint HTTP ${status}${code ? ` ${code}` : ''}: ${String(reply.error_description ?? '')}`;
  const details = { status, ...(code ? { code } : {}) };
  if (status === 429) {
    return new VendorError(VENDOR, 'rate_limited', text, {
      ...details,
      retryAfterMs: retryAfterMs(headers.get('retry-after')) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS,
    });
  }
  if (status >= 500 || body === undefined) return new VendorError(VENDOR, 'transient', text, details);
  // invalid_grant on refresh: "Token has been expired or revoked." — the user must connect again.
  if (code === 'invalid_grant') return new VendorError(VENDOR, invalidGrant, text, details);
  if (code === 'unauthorized_client') return new VendorError(VENDOR, 'auth_revoked', text, details);
  return new VendorError(VENDOR, 'validation', text, details);
}

/** Google's refresh tokens do not rotate: a reply without one keeps the token we sent [SDK: google-auth-library]. */
function credentialsFrom(reply: TokenReply, previousRefreshToken?: string): OAuthCredentials {
  if (typeof reply.access_token !== 'string' || !reply.access_token) {
    throw new VendorError(VENDOR, 'transient', 'malformed reply: token endpoint returned no access_token');
  }
  const refreshToken = typeof reply.refresh_token === 'string' ? reply.refresh_token : previousRefreshToken;
  return {
    accessToken: reply.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(typeof reply.expires_in === 'number' ? { expiresAt: Date.now() + reply.expires_in * 1000 } : {}),
  };
}

/** The OAuth helpers for one OAuth client (ours at Google), with configurable endpoints. */
export function googleOAuth(config: GoogleOAuthConfig) {
  const authorizeEndpoint = config.authorizeEndpoint ?? 'https://accounts.google.com/o/oauth2/v2/auth';
  const tokenEndpoint = config.tokenEndpoint ?? 'https://oauth2.googleapis.com/token';
  const tokenInfoEndpoint = config.tokenInfoEndpoint ?? 'https://oauth2.googleapis.com/tokeninfo';
  const timeoutMs = config.timeoutMs ?? 30_000;

  async function token(form: Record<string, string>, invalidGrant: 'auth_revoked' | 'validation'): Promise<TokenReply> {
    const { status, body, headers } = await request(
      tokenEndpoint,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: config.clientId, client_secret: config.clientSecret, ...form }),
      },
      timeoutMs,
    );
    if (status !== 200 || body === undefined) throw tokenError(status, body, headers, invalidGrant);
    return body as TokenReply;
  }

  async function accountEmail(accessToken: string): Promise<string> {
    if (config.accountEmail) return config.accountEmail;
    const url = new URL(tokenInfoEndpoint);
    url.searchParams.set('access_token', accessToken);
    const { status, body, headers } = await request(
      url.toString(),
      { headers: { accept: 'application/json' } },
      timeoutMs,
    );
    if (status !== 200 || body === undefined) throw tokenError(status, body, headers, 'validation');
    const email = (body as { email?: unknown }).email;
    if (typeof email !== 'string' || !email) {
      throw new VendorError(VENDOR, 'validation', 'tokeninfo has no email: was the email scope granted?');
    }
    return email;
  }

  return {
    /** Where to send the user: offline access (a refresh token) and a consent prompt, so one is always issued. */
    authorizeUrl({ redirectUri, state, scopes = DEFAULT_SCOPES, loginHint }: AuthorizeRequest): string {
      const url = new URL(authorizeEndpoint);
      url.search = new URLSearchParams({
        client_id: config.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: scopes.join(' '),
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
        state,
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return url.toString();
    },

    /** The code from the redirect for tokens; the account is the user's email address. */
    async exchangeCode({ code, redirectUri }: { code: string; redirectUri: string }): Promise<ConnectedAccount> {
      // invalid_grant here is a used or expired code: a bad request, not a revoked connection.
      const reply = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, 'validation');
      const credentials = credentialsFrom(reply);
      const email = await accountEmail(credentials.accessToken);
      return { credentials, account: { externalAccountId: email } };
    },

    /** New access token; `invalid_grant` (revoked, expired, password change) → auth_revoked. */
    async refreshCredentials(refreshToken: string): Promise<OAuthCredentials> {
      const reply = await token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'auth_revoked');
      return credentialsFrom(reply, refreshToken);
    },
  };
}

export type GoogleOAuth = ReturnType<typeof googleOAuth>;
