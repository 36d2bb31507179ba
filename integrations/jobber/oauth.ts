import jwt from 'jsonwebtoken';
import { isNetworkFailure, retryAfterMs } from '../core/errors.js';
import type { OAuthCredentials } from '../core/tokens.js';
import { staticTokenSource } from '../core/tokens.js';
import { vendorError } from './errors.js';
import { ACCOUNT_QUERY } from './queries.js';
import { JOBBER_API_VERSION, JOBBER_GRAPHQL_URL, JobberTransport } from './transport.js';

/*
 * Jobber's OAuth 2 (vendor-facts §1.1): authorization code, form-encoded token endpoint, JWT access tokens with no
 * `expires_in` (the expiry is the JWT's `exp`), refresh tokens that rotate on every use.
 */

export interface JobberOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Default: https://api.getjobber.com/api/oauth/authorize */
  authorizeUrl?: string;
  /** Default: https://api.getjobber.com/api/oauth/token */
  tokenUrl?: string;
  /** For the account lookup after the code exchange. */
  graphqlUrl?: string;
  apiVersion?: string;
  timeoutMs?: number;
}

export interface JobberConnection {
  credentials: OAuthCredentials;
  account: { externalAccountId: string; displayName?: string };
}

interface TokenReply {
  access_token?: unknown;
  refresh_token?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** Epoch ms from the access token's `exp`; the signature is Jobber's to check, we only read the claim. */
export function jwtExpiry(accessToken: string): number | undefined {
  const payload = jwt.decode(accessToken, { json: true });
  return typeof payload?.exp === 'number' ? payload.exp * 1000 : undefined;
}

export function createJobberOAuth(config: JobberOAuthConfig) {
  const authorizeEndpoint = config.authorizeUrl ?? 'https://api.getjobber.com/api/oauth/authorize';
  const tokenEndpoint = config.tokenUrl ?? 'https://api.getjobber.com/api/oauth/token';
  const timeoutMs = config.timeoutMs ?? 30_000;

  async function tokenRequest(fields: Record<string, string>, previousRefresh?: string): Promise<OAuthCredentials> {
    let reply: Response;
    let body: TokenReply;
    try {
      reply = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: config.clientId, client_secret: config.clientSecret, ...fields }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw vendorError('transient', `token endpoint unreachable: ${String(error)}`, { cause: error });
    }
    try {
      body = (await reply.json()) as TokenReply;
    } catch (error) {
      if (isNetworkFailure(error)) throw vendorError('transient', 'token reply interrupted', { cause: error });
      body = {};
    }
    const status = reply.status;
    if (!reply.ok) {
      const code = typeof body.error === 'string' ? body.error : undefined;
      const message = `token endpoint: ${code ?? `HTTP ${status}`}`;
      // Doorkeeper answers a used, revoked or unknown refresh token (or code) with invalid_grant.
      if (code === 'invalid_grant') throw vendorError('auth_revoked', message, { status, code });
      if (status === 429) {
        const wait = retryAfterMs(reply.headers.get('retry-after')) ?? 30_000;
        throw vendorError('rate_limited', message, { status, code, retryAfterMs: wait });
      }
      if (status >= 500) throw vendorError('transient', message, { status, code });
      // invalid_client / invalid_request: our configuration is wrong; retrying will not help.
      throw vendorError('validation', message, { status, code });
    }
    if (typeof body.access_token !== 'string') throw vendorError('transient', 'token reply without access_token');
    const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : previousRefresh;
    return {
      accessToken: body.access_token,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(jwtExpiry(body.access_token) === undefined ? {} : { expiresAt: jwtExpiry(body.access_token) }),
    };
  }

  return {
    /** Where to send the user; Jobber redirects back with `code` and `state` (or with nothing on denial). */
    authorizeUrl(params: { redirectUri: string; state?: string }): string {
      const url = new URL(authorizeEndpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', params.redirectUri);
      if (params.state !== undefined) url.searchParams.set('state', params.state);
      return url.toString();
    },

    /** Code → tokens, then the account the grant belongs to (one GraphQL call with the new token). */
    async exchangeCode(params: { code: string; redirectUri: string }): Promise<JobberConnection> {
      const credentials = await tokenRequest({
        grant_type: 'authorization_code',
        code: params.code,
        redirect_uri: params.redirectUri,
      });
      const transport = new JobberTransport({
        graphqlUrl: config.graphqlUrl ?? JOBBER_GRAPHQL_URL,
        apiVersion: config.apiVersion ?? JOBBER_API_VERSION,
        timeoutMs,
        ddosRetryAfterMs: 30_000,
        tokens: staticTokenSource(credentials.accessToken),
      });
      const data = await transport.request<{ account?: { id?: unknown; name?: unknown } }>(ACCOUNT_QUERY);
      const id = data?.account?.id;
      const name = data?.account?.name;
      if (typeof id !== 'string') throw vendorError('transient', 'malformed Jobber payload: account');
      return {
        credentials,
        account: { externalAccountId: id, ...(typeof name === 'string' ? { displayName: name } : {}) },
      };
    },

    /**
     * A new token pair. With rotation on (Jobber's default) the old refresh token is dead from now on, so the
     * caller must persist the returned one before using the access token.
     */
    refreshCredentials(refreshToken: string): Promise<OAuthCredentials> {
      return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, refreshToken);
    },
  };
}

export type JobberOAuth = ReturnType<typeof createJobberOAuth>;
