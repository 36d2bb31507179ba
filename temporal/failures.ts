/** Failure types of ApplicationFailures; retry policies, workflows and operators match on these names. */
export const failureTypes = {
  connectionNotFound: 'ConnectionNotFound',
  messageNotFound: 'MessageNotFound',
  jobNotFound: 'JobNotFound',
  documentNotFound: 'DocumentNotFound',
  credentialsUnreadable: 'CredentialsUnreadable',
  vendorRateLimited: 'VendorRateLimited',
  vendorTransient: 'VendorTransient',
  vendorAuthExpired: 'VendorAuthExpired',
  vendorAuthRevoked: 'VendorAuthRevoked',
  vendorValidation: 'VendorValidation',
  vendorNotFound: 'VendorNotFound',
  vendorConflict: 'VendorConflict',
  vendorResyncRequired: 'VendorResyncRequired',
} as const;

export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];

/** Failures no retry can fix: a workflow's retry policy lists them as non-retryable too. */
export const NON_RETRYABLE_VENDOR_FAILURES: readonly FailureType[] = [
  failureTypes.vendorAuthRevoked,
  failureTypes.vendorValidation,
  failureTypes.vendorNotFound,
  failureTypes.vendorConflict,
  failureTypes.vendorResyncRequired,
];
