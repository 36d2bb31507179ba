import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { SyncMode } from '../activities/sync.activities.js';
import type { SyncResource } from '../integrations/core/records.js';
import type { connectionHealthCheck, syncConnection } from '../workflows/index.js';
import { requestIncrementalSignal, type PassRequest } from '../workflows/sync-signals.js';
import { searchAttributes, syncSearchAttributes } from './search-attribute-keys.js';
import { workflowIds } from './workflow-ids.js';
import type { completeOAuthConnection, CompleteOAuthConnectionInput } from '../workflows/complete-oauth-connection.js';

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
    typedSearchAttributes: syncSearchAttributes(connection, resource, mode),
  });
}

/**
 * Asks for an incremental pass of one connection and resource (a webhook saw changes): signals the running sync,
 * or starts one with the signal. Either way exactly one sync runs, and it covers changes made before this call.
 */
export function requestSyncPass(
  client: Client,
  taskQueue: string,
  connection: { id: string; vendor: string },
  resource: SyncResource,
  request: PassRequest,
): Promise<WorkflowHandle<typeof syncConnection>> {
  return client.workflow.signalWithStart<typeof syncConnection, [PassRequest?]>('syncConnection', {
    workflowId: workflowIds.sync(connection.id, resource),
    taskQueue,
    args: [{ connectionId: connection.id, resource, mode: 'incremental' }],
    signal: requestIncrementalSignal,
    signalArgs: [
      request.externalIds && request.externalIds.length > 100
        ? { ...request, externalIds: request.externalIds.slice(0, 100) }
        : request,
    ],
    typedSearchAttributes: syncSearchAttributes(connection, resource, 'incremental'),
  });
}

/**
 * Starts the code exchange of one OAuth callback. The id is the (single-use) state, so one callback is one run;
 * the API waits for its result, so the run is bounded too.
 */
export function startCompleteOAuthConnection(
  client: Client,
  taskQueue: string,
  state: string,
  input: CompleteOAuthConnectionInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof completeOAuthConnection>> {
  return client.workflow.start<typeof completeOAuthConnection>('completeOAuthConnection', {
    workflowId: workflowIds.oauth(state),
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '2 minutes',
    typedSearchAttributes: [
      { key: searchAttributes.vendor, value: input.vendor },
      { key: searchAttributes.syncKind, value: 'oauth_connect' },
    ],
  });
}
