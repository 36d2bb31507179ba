import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getExternalWorkflowHandle, ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { SyncResource } from '../integrations/core/records.js';
import { syncSearchAttributes } from '../temporal/search-attribute-keys.js';
import { workflowIds } from '../temporal/workflow-ids.js';
import { syncConnection } from './sync-connection.js';
import { requestIncrementalSignal } from './sync-signals.js';

export interface ScheduledSyncInput {
  connectionId: string;
  vendor: string;
  resource: SyncResource;
}

/**
 * What a Temporal Schedule starts. A schedule cannot start `sync:<connection>:<resource>` itself (it appends a
 * timestamp to the workflow id), so this starts that sync as an abandoned child under its business id, or, when
 * one is already running (started by an admin or a webhook), asks it for another incremental pass instead.
 */
export async function scheduledSync(input: ScheduledSyncInput): Promise<'started' | 'joined'> {
  const workflowId = workflowIds.sync(input.connectionId, input.resource);
  try {
    await startChild(syncConnection, {
      workflowId,
      args: [{ connectionId: input.connectionId, resource: input.resource, mode: 'incremental' }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: syncSearchAttributes(
        { id: input.connectionId, vendor: input.vendor },
        input.resource,
        'incremental',
      ),
    });
    return 'started';
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    await getExternalWorkflowHandle(workflowId).signal(requestIncrementalSignal, { reason: 'schedule' });
    return 'joined';
  }
}
