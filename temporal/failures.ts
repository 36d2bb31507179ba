/** Failure types of non-retryable ApplicationFailures; retry policies and operators match on these names. */
export const failureTypes = {
  connectionNotFound: 'ConnectionNotFound',
  credentialsUnreadable: 'CredentialsUnreadable',
} as const;

export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];
