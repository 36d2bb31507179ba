import { OAuth2Client } from 'google-auth-library';
import { staticTokenSource, withFreshToken, type TokenSource } from '../core/tokens.js';
import { DEFAULT_RATE_LIMIT_BACKOFF_MS, isAuthExpired, toVendorError } from './errors.js';

/** Calendar's and Drive's default root; Gmail has its own [SDK: googleapis apis, each version file]. */
export const GOOGLEAPIS_ROOT_URL = 'https://www.googleapis.com/';
export const GMAIL_ROOT_URL = 'https://gmail.googleapis.com/';

/** What every Google API client takes. */
export interface GoogleApiOptions {
  /** Where access tokens come from; the TokenSource, not google-auth-library, owns refreshing. */
  tokens: TokenSource | string;
  /**
   * googleapis `rootUrl`. googleapis resolves API paths against it and drops any path it has, so it must be the
   * root of a host [SDK: googleapis-common apirequest.js]. Default: Google's own.
   */
  rootUrl?: string;
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Wait to report on a quota error that names none (Google sends no Retry-After). */
  rateLimitBackoffMs?: number;
}

/** googleapis options shared by every API: the SDK's retries are off, the workflow engine retries. */
export function sdkOptions(options: GoogleApiOptions, defaultRootUrl: string) {
  return { rootUrl: options.rootUrl ?? defaultRootUrl, retry: false, timeout: options.timeoutMs ?? 30_000 };
}

/** Runs one googleapis call with an auth client for the current token. */
export type GoogleCall = <T>(request: (auth: OAuth2Client) => Promise<T>) => Promise<T>;

/**
 * The call wrapper every Google client uses: the current access token from the TokenSource, a 401 refreshed once
 * through it and tried again, and every failure mapped to a VendorError (errors.ts decides the kind).
 */
export function googleCall(options: Pick<GoogleApiOptions, 'tokens' | 'rateLimitBackoffMs'>): GoogleCall {
  const tokens = typeof options.tokens === 'string' ? staticTokenSource(options.tokens) : options.tokens;
  const backoffMs = options.rateLimitBackoffMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS;

  // An OAuth2Client holding only an access token (no refresh token, no expiry) never refreshes on its own.
  let auth: { token: string; client: OAuth2Client } | null = null;
  const authFor = (token: string): OAuth2Client => {
    if (auth?.token !== token) {
      const client = new OAuth2Client();
      client.setCredentials({ access_token: token });
      auth = { token, client };
    }
    return auth.client;
  };

  return (request) =>
    withFreshToken(tokens, isAuthExpired, async (token) => {
      try {
        return await request(authFor(token));
      } catch (error) {
        throw toVendorError(error, backoffMs);
      }
    });
}
