import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { createProcessLogger } from '../config/logger.js';

/** The worker's logger: JSON lines on stdout with `service: "worker"`, batched as the API's are. */
export function createWorkerLogger(level: Config['logLevel']): Logger {
  return createProcessLogger({ service: 'worker', level });
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The SDK's log lines as fields: workflow and activity lines carry workflowId, runId (`workflowRunId` for
 * activities), workflowType, activityId, activityType, attempt, taskQueue and sdkComponent. `error` becomes `err`,
 * which pino serializes with its stack. The task token is left out: with it anyone could complete the activity.
 */
function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { error, ...fields } = meta as Record<string, unknown>;
  delete fields.taskToken;
  return error === undefined ? fields : { ...fields, err: error };
}

/** The Temporal Runtime's logger interface, written through pino, so the SDK's lines are JSON like ours. */
export function sdkLoggerOf(logger: Logger): SdkLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    logger[LEVELS[level] ?? 'info'](fieldsOf(meta), message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
