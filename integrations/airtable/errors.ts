import { isNetworkFailure, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'airtable';

/**
 * Airtable's documented penalty after going over 5 requests/s per base or 50/s per token: "wait 30 seconds before
 * subsequent requests will succeed". Its 429 carries no Retry-After, so this is the only signal there is.
 */
export const RATE_LIMIT_PENALTY_MS = 30_000;

/** What airtable.js rejects with: `AirtableError { error, message, statusCode }` (statusCode null on network errors). */
interface SdkError {
  error: string;
  message: string;
  statusCode: number | null;
}

function isSdkError(error: unknown): error is SdkError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as SdkError).error === 'string' &&
    typeof (error as SdkError).message === 'string' &&
    'statusCode' in error
  );
}

/** A reply we could not read as Airtable's shape (truncated JSON, missing `records`, …): worth retrying. */
export function malformed(what: string, cause?: unknown): VendorError {
  return new VendorError(VENDOR, 'transient', `malformed response: ${what}`, { cause });
}

function kindOf(status: number, type: string): VendorErrorKind {
  if (status === 401 || type === 'AUTHENTICATION_REQUIRED') return 'auth_expired';
  if (status === 429 || type === 'TOO_MANY_REQUESTS') return 'rate_limited';
  if (status === 404 || type === 'NOT_FOUND') return 'not_found';
  // The token lost access to the base or table (or never had it): the user has to grant it again.
  if (status === 403) return 'auth_revoked';
  // Airtable's list iterators expire (documented type); the listing has to start over from the first page.
  if (type === 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE') return 'resync_required';
  // airtable.js turns a 200 whose body is not a JSON object into UNEXPECTED_ERROR with status 200.
  if (status >= 500 || (status < 400 && type === 'UNEXPECTED_ERROR')) return 'transient';
  // 400, 413, 422 (UNKNOWN_FIELD_NAME, INVALID_VALUE_FOR_COLUMN, INVALID_FILTER_BY_FORMULA, …).
  return 'validation';
}

/** Maps whatever airtable.js (or our own parsing) threw to a VendorError; VendorErrors pass through. */
export function toVendorError(error: unknown, penaltyMs = RATE_LIMIT_PENALTY_MS): VendorError {
  if (error instanceof VendorError) return error;
  if (isSdkError(error)) {
    // makeRequest reports fetch failures and its own timeout abort as CONNECTION_ERROR without a status.
    if (error.statusCode === null || error.error === 'CONNECTION_ERROR') {
      return new VendorError(VENDOR, 'transient', `network failure: ${error.message}`, {
        code: error.error,
        cause: error,
      });
    }
    const kind = kindOf(error.statusCode, error.error);
    return new VendorError(VENDOR, kind, `${error.statusCode} ${error.error}: ${error.message}`, {
      status: error.statusCode,
      code: error.error,
      cause: error,
      ...(kind === 'rate_limited' ? { retryAfterMs: penaltyMs } : {}),
    });
  }
  if (isNetworkFailure(error)) {
    return new VendorError(VENDOR, 'transient', `network failure: ${String(error)}`, { cause: error });
  }
  return new VendorError(VENDOR, 'transient', `unexpected failure: ${String(error)}`, { cause: error });
}
