import type { WorkflowClientInterceptor, WorkflowSignalWithStartInput, WorkflowStartInput } from '@temporalio/client';
import type { Logger } from 'pino';

/** The memo key that names the request a workflow was started for (visible in the Temporal Web UI). */
export const REQUEST_ID_MEMO = 'requestId';

function withRequestMemo<T extends WorkflowStartInput | WorkflowSignalWithStartInput>(
  input: T,
  requestId: string | undefined,
): T {
  if (!requestId) return input;
  return { ...input, options: { ...input.options, memo: { ...input.options.memo, [REQUEST_ID_MEMO]: requestId } } };
}

/** The fields of a start's log line: the request, and the workflow it started or joined. */
function startLine(
  input: WorkflowStartInput | WorkflowSignalWithStartInput,
  requestId: string | undefined,
  runId: string,
) {
  return {
    requestId,
    workflowId: input.options.workflowId,
    runId,
    workflowType: input.workflowType,
    taskQueue: input.options.taskQueue,
  };
}

/**
 * Logs every workflow the API starts (or signals-with-start) with the request it ran for, and puts that request id
 * in the workflow's memo: one line leads from a request to its workflow id, which the worker's lines carry. A start
 * that joins a running workflow (USE_EXISTING) keeps that workflow's memo; the log line still links the two.
 */
export function workflowStartLogging(logger: Logger, requestId: () => string | undefined): WorkflowClientInterceptor {
  return {
    async startWithDetails(input, next) {
      const id = requestId();
      const output = await next(withRequestMemo(input, id));
      logger.info(startLine(input, id, output.runId), 'workflow started');
      return output;
    },
    async signalWithStart(input, next) {
      const id = requestId();
      const runId = await next(withRequestMemo(input, id));
      logger.info({ ...startLine(input, id, runId), signal: input.signalName }, 'workflow signalled with start');
      return runId;
    },
  };
}
