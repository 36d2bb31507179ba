import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { CustomEventAlert } from '../activities/custom-events.activities.js';
import type { receiveCustomEvent } from '../workflows/index.js';
import { searchAttributes } from './search-attribute-keys.js';
import { startOnce } from './start-once.js';
import { workflowIds } from './workflow-ids.js';

export function customEventWorkflowId(source: string, eventId: string): string {
  return workflowIds.customEvent(source, createHash('sha256').update(eventId).digest('base64url'));
}

/**
 * Starts the handling of one custom-source event and returns its workflow id. The id is the event's, so a repeated
 * hand-off (a redelivery after a failed or stalled one) joins the running workflow (USE_EXISTING), and one after it
 * finished is refused by Temporal (REJECT_DUPLICATE): either way it is the same workflow, and its id is returned.
 */
export function startCustomEvent(client: Client, taskQueue: string, alert: CustomEventAlert): Promise<string> {
  const workflowId = customEventWorkflowId(alert.source, alert.eventId);
  return startOnce(
    () =>
      client.workflow.start<typeof receiveCustomEvent>('receiveCustomEvent', {
        workflowId,
        taskQueue,
        args: [alert],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.syncKind, value: 'custom_event' },
          { key: searchAttributes.vendor, value: 'custom' },
        ],
      }),
    workflowId,
  );
}
