/** What a connection stores (encrypted) to call a vendor. */
export interface OAuthCredentials {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds; absent when the vendor does not say (then only a 401 tells). */
  expiresAt?: number;
}

/**
 * Where a client gets access tokens. The activity layer implements it per connection: it serializes refreshes
 * across activities and workers (row lock) and persists a rotated refresh token before anything uses it, so a
 * crash never loses one. Clients call `refresh` after a 401 with the token that was refused, so that concurrent
 * callers that all saw the same 401 cause one refresh, not several.
 */
export interface TokenSource {
  accessToken(): Promise<string>;
  refresh(rejectedAccessToken: string): Promise<string>;
}

/** A token that never changes (personal access tokens, API keys), for vendors and tests that need no refresh. */
export function staticTokenSource(token: string): TokenSource {
  return { accessToken: async () => token, refresh: async () => token };
}

/** Refresh this long before the stated expiry, so a token does not expire between check and use. */
export const REFRESH_MARGIN_MS = 60_000;

export function expiresSoon(credentials: OAuthCredentials, now = Date.now()): boolean {
  return credentials.expiresAt !== undefined && credentials.expiresAt - REFRESH_MARGIN_MS <= now;
}

/**
 * Runs `call` with the current token; on an `auth_expired` failure refreshes once and runs it again with the
 * new token. A second refusal is final (the refreshed token was refused too: revoked, not expired).
 */
export async function withFreshToken<T>(
  tokens: TokenSource,
  isExpired: (error: unknown) => boolean,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  const token = await tokens.accessToken();
  try {
    return await call(token);
  } catch (error) {
    if (!isExpired(error)) throw error;
    return call(await tokens.refresh(token));
  }
}
