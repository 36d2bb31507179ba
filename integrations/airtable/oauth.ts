import { createHash, randomBytes } from 'node:crypto';
import { isNetworkFailure, retryAfterMs, VendorError } from '../core/errors.js';
import type { OAuthCredentials } from '../core/tokens.js';
import { malformed, RATE_LIMIT_PENALTY_MS, VENDOR } from './errors.js';

/*
 * Airtable's OAuth 2.0 (authorization code with PKCE S256, which Airtable requires) as plain HTTP: airtable.js has
 * no OAuth support. Refresh tokens rotate: every refresh returns a new one and kills the old, so the caller must
 * store the returned refresh token before using the new access token.
 */

export interface AirtableOAuthConfig {
  clientId: string;
  /** With a secret the token endpoint takes HTTP Basic client auth; without one, `client_id` in the body. */
  clientSecret?: string | null;
  /** Default `https://airtable.com/oauth2/v1/authorize`. */
  authorizeUrl?: string;
  /** Default `https://airtable.com/oauth2/v1/token`. */
  tokenUrl?: string;
  /** The base this connection syncs: Airtable tokens are per user, so the account we record is the base. */
  baseId: string;
  baseName?: string;
  timeoutMs?: number;
  now?: () => number;
}

export interface AuthorizeRequest {
  redirectUri: string;
  /** Required by Airtable; ties the callback to the request (keep the code verifier under it). */
  state: string;
  /** Space-separated or a list, e.g. `data.records:read schema.bases:read`. */
  scopes: string | readonly string[];
  /** A verifier of your own (43–128 characters); one is generated when absent. */
  codeVerifier?: string;
}

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

export interface ConnectedAccount {
  credentials: OAuthCredentials;
  account: { externalAccountId: string; displayName?: string };
}

/** PKCE S256 (RFC 7636): a random verifier and its base64url SHA-256 challenge. */
export function createPkcePair(verifier = randomBytes(32).toString('base64url')) {
  return { codeVerifier: verifier, codeChallenge: createHash('sha256').update(verifier).digest('base64url') };
}

interface TokenReply {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function tokenError(status: number, reply: TokenReply, retryAfter: string | null): VendorError {
  const code = typeof reply.error === 'string' ? reply.error : undefined;
  const message = `token endpoint ${status} ${code ?? ''} ${String(reply.error_description ?? '')}`.trim();
  const details = { status, ...(code ? { code } : {}) };
  if (code === 'invalid_grant') return new VendorError(VENDOR, 'auth_revoked', message, details);
  if (status === 429) {
    const wait = retryAfterMs(retryAfter) ?? RATE_LIMIT_PENALTY_MS;
    return new VendorError(VENDOR, 'rate_limited', message, { ...details, retryAfterMs: wait });
  }
  if (status >= 500) return new VendorError(VENDOR, 'transient', message, details);
  // invalid_client, invalid_request, unsupported_grant_type: our configuration is wrong, retrying will not help.
  return new VendorError(VENDOR, 'validation', message, details);
}

export function createAirtableOAuth(config: AirtableOAuthConfig) {
  const authorizeEndpoint = config.authorizeUrl ?? 'https://airtable.com/oauth2/v1/authorize';
  const tokenEndpoint = config.tokenUrl ?? 'https://airtable.com/oauth2/v1/token';
  const now = config.now ?? Date.now;

  async function tokenRequest(form: Record<string, string>, previousRefresh?: string): Promise<OAuthCredentials> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams(form);
    if (config.clientSecret) {
      const basic = Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    } else {
      body.set('client_id', config.clientId);
    }
    let response: Response;
    let reply: TokenReply;
    try {
      response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(config.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const what = isNetworkFailure(error) ? 'network failure' : 'request failed';
      throw new VendorError(VENDOR, 'transient', `token endpoint ${what}: ${String(error)}`, { cause: error });
    }
    try {
      reply = (await response.json()) as TokenReply;
    } catch (error) {
      if (!response.ok) throw tokenError(response.status, {}, response.headers.get('retry-after'));
      throw malformed('token reply is not JSON', error);
    }
    if (!response.ok) throw tokenError(response.status, reply ?? {}, response.headers.get('retry-after'));
    if (typeof reply?.access_token !== 'string') throw malformed('token reply without access_token');
    const refreshToken = typeof reply.refresh_token === 'string' ? reply.refresh_token : previousRefresh;
    const expiresIn = typeof reply.expires_in === 'number' ? reply.expires_in : undefined;
    return {
      accessToken: reply.access_token,
      ...(refreshToken ? { refreshToken } : {}),
      ...(expiresIn !== undefined ? { expiresAt: now() + expiresIn * 1000 } : {}),
    };
  }

  return {
    /** Where to send the user, and the PKCE verifier to keep (with the state) until the callback. */
    authorizeUrl(request: AuthorizeRequest): { url: string; codeVerifier: string } {
      const { codeVerifier, codeChallenge } = createPkcePair(request.codeVerifier);
      const url = new URL(authorizeEndpoint);
      const scope = typeof request.scopes === 'string' ? request.scopes : request.scopes.join(' ');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', request.redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', scope);
      url.searchParams.set('state', request.state);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return { url: url.toString(), codeVerifier };
    },

    async exchangeCode(exchange: CodeExchange): Promise<ConnectedAccount> {
      const credentials = await tokenRequest({
        grant_type: 'authorization_code',
        code: exchange.code,
        code_verifier: exchange.codeVerifier,
        redirect_uri: exchange.redirectUri,
      });
      return {
        credentials,
        account: {
          externalAccountId: config.baseId,
          ...(config.baseName ? { displayName: config.baseName } : {}),
        },
      };
    },

    /** A new access token and the rotated refresh token; `auth_revoked` when Airtable refuses the refresh token. */
    refreshCredentials(refreshToken: string): Promise<OAuthCredentials> {
      return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, refreshToken);
    },
  };
}

export type AirtableOAuth = ReturnType<typeof createAirtableOAuth>;
