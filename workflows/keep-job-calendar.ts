import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { CalendarReconciliation } from '../activities/job-calendar.activities.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';
import { jobScheduleChangedSignal } from './message-signals.js';

export { jobScheduleChangedSignal };

type Activities = ReturnType<typeof createActivities>;

const { reconcileJobCalendarEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_VENDOR_FAILURES, failureTypes.credentialsUnreadable],
  },
});

/** Changes that arrive this soon after a reconciliation are folded into one more pass by the same run. */
const QUIET_PERIOD = '5 seconds';

/**
 * Keeps one job's Calendar event in step with the job: created when it is scheduled, moved when rescheduled,
 * cancelled when the job is cancelled or unscheduled. Each pass reads the job fresh, so any number of change
 * signals collapse into passes that converge on the job's current state.
 */
export async function keepJobCalendarEvent(input: { jobId: string }): Promise<CalendarReconciliation> {
  let changed = true;
  setHandler(jobScheduleChangedSignal, () => {
    changed = true;
  });
  let result: CalendarReconciliation = { action: 'skipped' };
  while (changed) {
    changed = false;
    result = await reconcileJobCalendarEvent(input.jobId);
    if (!changed) await condition(() => changed, QUIET_PERIOD);
  }
  return result;
}
