import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { connectionHealthCheck } from '../workflows/index.js';
import { searchAttributes } from './search-attributes.js';
import { workflowIds } from './workflow-ids.js';

/**
 * Starts a health check of one connection, or returns the one already running for it: the id is the business key
 * and USE_EXISTING turns a double click into the same run.
 */
export function startConnectionHealthCheck(
  client: Client,
  taskQueue: string,
  connection: { id: string; vendor: string },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof connectionHealthCheck>> {
  return client.workflow.start<typeof connectionHealthCheck>('connectionHealthCheck', {
    workflowId: workflowIds.connectionHealthCheck(connection.id),
    taskQueue,
    args: [{ connectionId: connection.id }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowExecutionTimeout: '5 minutes',
    typedSearchAttributes: [
      { key: searchAttributes.connectionId, value: connection.id },
      { key: searchAttributes.vendor, value: connection.vendor },
      { key: searchAttributes.syncKind, value: 'health_check' },
    ],
  });
}
