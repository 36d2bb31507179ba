import type { Context } from '@temporalio/activity';
import { CancelledFailure, type MetricTags } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The reason the SDK gives running activities when their worker stops past its grace time. */
const WORKER_SHUTDOWN = 'WORKER_SHUTDOWN';

function cancelledByShutdown(context: Context): boolean {
  const reason: unknown = context.cancellationSignal.reason;
  return context.cancellationSignal.aborted && reason instanceof CancelledFailure && reason.message === WORKER_SHUTDOWN;
}

/**
 * The tags of our own activity metrics (activities/sync-metrics.ts) named as the SDK names its own series' labels
 * (`task_queue`, `activity_type`, `workflow_type`), so one query can join the two; the SDK's defaults are camelCase.
 */
function snakeCaseTags(context: Context): MetricTags {
  const { namespace, taskQueue, activityType, workflowType } = context.info;
  return {
    namespace,
    task_queue: taskQueue,
    activity_type: activityType,
    ...(workflowType ? { workflow_type: workflowType } : {}),
  };
}

/**
 * Every activity of the worker goes through these. Inbound: says when a stopping worker hands an attempt back (the SDK
 * reports it failed, so Temporal retries it on another worker now rather than after a heartbeat or start-to-close
 * timeout); the line goes through the activity's logger, so it carries the workflow id, activity type and attempt.
 */
export const activityInterceptors: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        if (cancelledByShutdown(context)) {
          context.log.warn('activity handed back: the worker is shutting down; Temporal retries it elsewhere');
        }
        throw error;
      }
    },
  },
  outbound: {
    getMetricTags: () => snakeCaseTags(context),
  },
});
