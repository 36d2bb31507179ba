import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { WriteBackResult } from '../activities/jobber-write-back.activities.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';
import { writeBackRequestedSignal, type WriteBackInput } from './write-back-signals.js';

export { writeBackRequestedSignal };

type Activities = ReturnType<typeof createActivities>;

const { pushRowToJobber } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_VENDOR_FAILURES,
      failureTypes.connectionNotFound,
      failureTypes.credentialsUnreadable,
    ],
  },
});

/** Edits arriving this soon after a push are folded into one more push by the same run. */
const QUIET_PERIOD = '2 seconds';

/**
 * Pushes one client or job to Jobber. Each push reads the row fresh and sends its current state (creating it in
 * Jobber only when no Jobber id is stored yet), so any number of edit signals converge on the latest edit.
 */
export async function writeBackToJobber(input: WriteBackInput): Promise<WriteBackResult> {
  let requested = true;
  setHandler(writeBackRequestedSignal, () => {
    requested = true;
  });
  let result: WriteBackResult = { action: 'skipped', reason: 'nothing pushed' };
  while (requested) {
    requested = false;
    result = await pushRowToJobber(input);
    if (!requested) await condition(() => requested, QUIET_PERIOD);
  }
  return result;
}
