import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ConnectionHealth } from '../activities/connection-health.activities.js';
import { failureTypes } from '../temporal/failures.js';

export interface ConnectionHealthCheckInput {
  connectionId: string;
}

const { checkConnectionHealth, recordSyncStep } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [failureTypes.connectionNotFound, failureTypes.credentialsUnreadable],
  },
});

/** Checks one vendor connection and leaves its verdict in sync_log, whether it passes or fails. */
export async function connectionHealthCheck(input: ConnectionHealthCheckInput): Promise<ConnectionHealth> {
  const { workflowId, runId } = workflowInfo();
  const step = {
    workflowId,
    runId,
    operation: 'health_check',
    step: 'verdict',
    resourceType: 'vendor_connection',
    resourceId: input.connectionId,
  };
  try {
    const health = await checkConnectionHealth(input.connectionId);
    await recordSyncStep({
      ...step,
      connectionId: input.connectionId,
      service: health.vendor,
      status: health.healthy ? 'succeeded' : 'failed',
      errorMessage: health.problem,
      metadata: { connectionStatus: health.connectionStatus },
    });
    return health;
  } catch (error) {
    await recordSyncStep({ ...step, service: 'unknown', status: 'failed', errorMessage: describeFailure(error) });
    throw error;
  }
}

/** An activity's own message sits in the cause of the ActivityFailure that wraps it. */
function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof Error) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
