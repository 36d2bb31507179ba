import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { isNetworkFailure, retryAfterMs, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'slack';

/**
 * Slack's 429 always carries Retry-After (seconds); a platform-level `ratelimited` error without one (rare, the
 * body of a 200) gets Slack's smallest tier window: one second.
 */
const FALLBACK_RATE_LIMIT_MS = 1_000;

/** Token problems Slack reports as HTTP 200 `{ok:false}`: the workspace has to reinstall or re-grant the app. */
const AUTH_REVOKED = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
]);
const NOT_FOUND = new Set(['channel_not_found', 'thread_not_found', 'message_not_found', 'file_not_found']);
/** Slack's own "try again" platform errors (documented on most methods). */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Everything not listed above (no_text, msg_too_long, invalid_blocks, not_in_channel, is_archived, …). */
function platformKind(code: string): VendorErrorKind {
  if (code === 'ratelimited') return 'rate_limited';
  // Only with token rotation switched on: the access token is 12 h old and a refresh fixes it.
  if (code === 'token_expired') return 'auth_expired';
  if (AUTH_REVOKED.has(code)) return 'auth_revoked';
  if (NOT_FOUND.has(code)) return 'not_found';
  if (TRANSIENT.has(code)) return 'transient';
  return 'validation';
}

function httpKind(status: number): VendorErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth_revoked';
  if (status === 404) return 'not_found';
  if (status === 408 || status >= 500) return 'transient';
  return 'validation';
}

function isSdkError(error: unknown): error is WebAPICallError | (Error & { code: ErrorCode }) {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(ErrorCode) as string[]).includes(code);
}

/** A reply we could not read as Slack's shape: worth retrying. */
export function malformed(what: string): VendorError {
  return new VendorError(VENDOR, 'transient', `malformed response: ${what}`);
}

/** Maps whatever @slack/web-api threw to a VendorError; VendorErrors pass through. */
export function toVendorError(error: unknown): VendorError {
  if (error instanceof VendorError) return error;
  if (isSdkError(error)) {
    switch (error.code) {
      case ErrorCode.RateLimitedError: {
        // Only thrown with `rejectRateLimitedCalls`; `retryAfter` is Retry-After in seconds.
        const { retryAfter } = error as { retryAfter?: number };
        return new VendorError(VENDOR, 'rate_limited', `rate limited for ${retryAfter}s`, {
          status: 429,
          code: 'ratelimited',
          retryAfterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : FALLBACK_RATE_LIMIT_MS,
          cause: error,
        });
      }
      case ErrorCode.PlatformError: {
        const code = (error as { data?: { error?: unknown } }).data?.error;
        const slackCode = typeof code === 'string' ? code : 'unknown_error';
        const kind = platformKind(slackCode);
        return new VendorError(VENDOR, kind, slackCode, {
          code: slackCode,
          cause: error,
          ...(kind === 'rate_limited' ? { retryAfterMs: FALLBACK_RATE_LIMIT_MS } : {}),
        });
      }
      case ErrorCode.HTTPError: {
        const { statusCode, headers } = error as { statusCode: number; headers?: Record<string, string> };
        const kind = httpKind(statusCode);
        const wait = kind === 'rate_limited' ? (retryAfterMs(headers?.['retry-after']) ?? FALLBACK_RATE_LIMIT_MS) : 0;
        return new VendorError(VENDOR, kind, `HTTP ${statusCode}`, {
          status: statusCode,
          cause: error,
          ...(kind === 'rate_limited' ? { retryAfterMs: wait } : {}),
        });
      }
      case ErrorCode.RequestError:
        return new VendorError(VENDOR, 'transient', `network failure: ${error.message}`, { cause: error });
      default:
        // The files-v2 helper's own argument checks (missing length, unreadable file data).
        return new VendorError(VENDOR, 'validation', error.message, { code: error.code, cause: error });
    }
  }
  if (isNetworkFailure(error)) {
    return new VendorError(VENDOR, 'transient', `network failure: ${String(error)}`, { cause: error });
  }
  return new VendorError(VENDOR, 'transient', `unexpected failure: ${String(error)}`, { cause: error });
}
