import { gaxios } from 'google-auth-library';
import { isNetworkFailure, retryAfterMs, VendorError, type VendorErrorKind } from '../core/errors.js';

// google-auth-library re-exports gaxios (a transitive dependency), whose GaxiosError matches across copies; the
// googleapis index that also re-exports it would load every Google API.
const { GaxiosError } = gaxios;

export const VENDOR = 'google';

/**
 * Google sends no Retry-After on quota errors and asks for exponential backoff [DOC: Calendar errors]; this is
 * the first step of that backoff when the reply names no wait.
 */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 10_000;

/** Quota reasons of the 403 `usageLimits` replies [DOC: Calendar, Drive errors]. */
const RATE_LIMIT_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded']);

interface GoogleErrorBody {
  error?: { code?: number; message?: string; errors?: Array<{ reason?: string; domain?: string; message?: string }> };
}

function reasonOf(data: unknown): string | undefined {
  return (data as GoogleErrorBody | null)?.error?.errors?.[0]?.reason ?? undefined;
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : null;
}

function kindFor(status: number, reason: string | undefined): VendorErrorKind {
  if (status === 401) return 'auth_expired';
  if (status === 429 || (status === 403 && reason !== undefined && RATE_LIMIT_REASONS.has(reason))) {
    return 'rate_limited';
  }
  // Missing scopes cannot be fixed by retrying: the user has to consent again.
  if (status === 403 && reason === 'insufficientPermissions') return 'auth_revoked';
  if (status === 404) return 'not_found';
  // 410 `fullSyncRequired` answers a stale sync token; 410 `deleted` answers a write to a cancelled event.
  if (status === 410) return reason === 'deleted' ? 'not_found' : 'resync_required';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 408 || status >= 500) return 'transient';
  return 'validation';
}

/** Any failure of a googleapis call as a VendorError (kind decided here, once); VendorErrors pass through. */
export function toVendorError(error: unknown, backoffMs = DEFAULT_RATE_LIMIT_BACKOFF_MS): unknown {
  if (error instanceof VendorError) return error;
  if (error instanceof GaxiosError && error.response) {
    const { status, data, headers } = error.response;
    const reason = reasonOf(data);
    const kind = kindFor(status, reason);
    const message = (data as GoogleErrorBody | null)?.error?.message ?? error.message;
    return new VendorError(VENDOR, kind, `HTTP ${status}${reason ? ` ${reason}` : ''}: ${message}`, {
      status,
      ...(reason ? { code: reason } : {}),
      ...(kind === 'rate_limited' ? { retryAfterMs: retryAfterMs(header(headers, 'retry-after')) ?? backoffMs } : {}),
      cause: error,
    });
  }
  // A GaxiosError without a response never reached Google's answer: connection, DNS, timeout or abort.
  if (error instanceof GaxiosError || isNetworkFailure(error)) {
    return new VendorError(VENDOR, 'transient', `request failed: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

export const malformed = (what: string): VendorError =>
  new VendorError(VENDOR, 'transient', `malformed reply: ${what}`);

export const isAuthExpired = (error: unknown): boolean => error instanceof VendorError && error.kind === 'auth_expired';
