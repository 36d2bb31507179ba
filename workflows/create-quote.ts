import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { CreatedQuote, CreateQuoteInput } from '../activities/quote.activities.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';

type Activities = ReturnType<typeof createActivities>;

// The API waits for the result while its caller waits for the API: retries stay within about a minute.
const { createJobberQuote } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_VENDOR_FAILURES,
      failureTypes.connectionNotFound,
      failureTypes.credentialsUnreadable,
    ],
  },
});

const { recordCreatedQuote } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

/**
 * Creates one quote in Jobber, then its row. Nothing is written before Jobber accepts, so a quote Jobber rejects
 * (userErrors) leaves nothing behind on either side.
 */
export async function createQuote(input: CreateQuoteInput): Promise<CreatedQuote> {
  const quote = await createJobberQuote(input);
  return recordCreatedQuote({ create: input, quote });
}
