import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { SyncMode } from '../activities/sync.activities.js';
import type { SyncResource } from '../integrations/core/records.js';
import type { connectionHealthCheck, syncConnection } from '../workflows/index.js';
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

/**
 * Starts a sync of one connection and resource, or joins the one already running (USE_EXISTING): concurrent
 * triggers coalesce, and a webhook that arrives mid-sync signals the running one for another incremental pass.
 */
export function startSync(
  client: Client,
  taskQueue: string,
  connection: { id: string; vendor: string },
  resource: SyncResource,
  mode: SyncMode,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof syncConnection>> {
  return client.workflow.start<typeof syncConnection>('syncConnection', {
    workflowId: workflowIds.sync(connection.id, resource),
    taskQueue,
    args: [{ connectionId: connection.id, resource, mode }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: searchAttributes.connectionId, value: connection.id },
      { key: searchAttributes.vendor, value: connection.vendor },
      { key: searchAttributes.syncKind, value: mode },
      { key: searchAttributes.syncResource, value: resource },
    ],
  });
}
