import twilio from 'twilio';
import { isNetworkFailure, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'twilio';

/**
 * Twilio's 429 (code 20429) carries no documented Retry-After [vendor-facts §5.3], and the SDK's RestException
 * exposes no headers anyway; a 429 means the request was not processed, so a short pause is enough.
 */
export const RATE_LIMIT_PAUSE_MS = 1_000;

function kindOf(status: number): VendorErrorKind {
  if (status === 429) return 'rate_limited';
  // Account SID + auth token (or an API key) never expire on their own: a 401/403 means they were rotated or revoked.
  if (status === 401 || status === 403) return 'auth_revoked';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'transient';
  // 400: 21211 invalid To, 21606 From not ours, 21610 unsubscribed recipient, 21602 empty body, …
  return 'validation';
}

/** Maps whatever the twilio SDK (RestException, axios network errors) threw to a VendorError. */
export function toVendorError(error: unknown, rateLimitPauseMs = RATE_LIMIT_PAUSE_MS): VendorError {
  if (error instanceof VendorError) return error;
  if (error instanceof twilio.RestException) {
    const kind = kindOf(error.status);
    return new VendorError(VENDOR, kind, `${error.status} ${error.code ?? ''}: ${error.message}`.trim(), {
      status: error.status,
      ...(error.code !== undefined ? { code: String(error.code) } : {}),
      ...(kind === 'rate_limited' ? { retryAfterMs: rateLimitPauseMs } : {}),
      cause: error,
    });
  }
  if (isNetworkFailure(error)) {
    return new VendorError(VENDOR, 'transient', `network failure: ${String(error)}`, { cause: error });
  }
  return new VendorError(VENDOR, 'transient', `unexpected failure: ${String(error)}`, { cause: error });
}
