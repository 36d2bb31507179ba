import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { StoredOAuthConnection } from '../activities/oauth-connection.activities.js';
import type { OAuthVendor } from '../config/oauth-apps.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';

export interface CompleteOAuthConnectionInput {
  vendor: OAuthVendor;
  /** The code exchange (code, redirect URI, PKCE verifier, our OAuth app), sealed by the API. */
  sealedExchange: string;
}

type Activities = ReturnType<typeof createActivities>;

// The API waits for this workflow while the admin's browser waits for the API, so retries stay short.
const { exchangeOAuthCode } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_VENDOR_FAILURES, failureTypes.credentialsUnreadable],
  },
});

const { storeOAuthConnection } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/** Turns an OAuth callback into a stored connection: the code exchange (a vendor call), then the upsert. */
export async function completeOAuthConnection(input: CompleteOAuthConnectionInput): Promise<StoredOAuthConnection> {
  const exchanged = await exchangeOAuthCode({ vendor: input.vendor, sealedExchange: input.sealedExchange });
  return storeOAuthConnection(exchanged);
}
