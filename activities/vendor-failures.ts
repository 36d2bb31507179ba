import { ApplicationFailure } from '@temporalio/activity';
import { isVendorError, type VendorErrorKind } from '../integrations/core/errors.js';
import { failureTypes, type FailureType } from '../temporal/failures.js';

const TYPE_BY_KIND: Record<VendorErrorKind, FailureType> = {
  rate_limited: failureTypes.vendorRateLimited,
  transient: failureTypes.vendorTransient,
  auth_expired: failureTypes.vendorAuthExpired,
  auth_revoked: failureTypes.vendorAuthRevoked,
  validation: failureTypes.vendorValidation,
  not_found: failureTypes.vendorNotFound,
  conflict: failureTypes.vendorConflict,
  resync_required: failureTypes.vendorResyncRequired,
};

/**
 * Turns a vendor client's verdict into what Temporal acts on: throttling retries after exactly the delay the
 * vendor asked for (`nextRetryDelay` overrides the backoff for that attempt), transient failures and expired
 * tokens follow the activity's backoff, everything else fails the activity at once. Anything that is not a
 * VendorError is left alone (Temporal retries it as an unknown failure).
 */
export function toActivityFailure(error: unknown): unknown {
  if (!isVendorError(error)) return error;
  const details = [{ vendor: error.vendor, kind: error.kind, status: error.details.status, code: error.details.code }];
  return ApplicationFailure.create({
    message: error.message,
    type: TYPE_BY_KIND[error.kind],
    nonRetryable: !error.retryable,
    details,
    cause: error,
    ...(error.kind === 'rate_limited' && error.details.retryAfterMs !== undefined
      ? { nextRetryDelay: Math.max(1, error.details.retryAfterMs) }
      : {}),
  });
}

/** Runs a vendor step and rethrows its failure in Temporal's terms. */
export async function vendorStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw toActivityFailure(error);
  }
}
