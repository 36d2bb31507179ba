import { proxyActivities } from '@temporalio/workflow';
import type { CustomEventAlert } from '../activities/custom-events.activities.js';
import type { createActivities } from '../activities/index.js';

const { announceCustomEvent } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Acts on one event a custom webhook source posted: for now, an alert on the dashboard. Its own workflow (id from
 * the event id) so the webhook answers at once, and a repeated hand-off of the same event joins this run.
 */
export async function receiveCustomEvent(alert: CustomEventAlert): Promise<void> {
  await announceCustomEvent(alert);
}
