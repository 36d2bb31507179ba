import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './env.js';

/** Bytes of log lines gathered before one write: a write per request line cost more than the request's own work. */
const LOG_BUFFER_BYTES = 4096;

export interface ProcessLoggerOptions {
  /** `api` or `worker`: the `service` field of every line, so the two processes' logs can share one stream. */
  readonly service: string;
  readonly level: Config['logLevel'];
  /** Fields added to every line at the moment it is written (the API's request id). */
  readonly mixin?: () => Record<string, unknown>;
  /** Where lines go; stdout in batches when absent (tests pass a stream they read). */
  readonly destination?: DestinationStream;
}

/**
 * Stdout, written in batches (sonic-boom's buffer) and flushed synchronously when the process exits, so a crash
 * keeps its last lines; a quiet process is at most a second late.
 */
function batchedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // An async write still in flight owns the buffer; what it holds is on its way out.
    }
  });
  setInterval(() => destination.flush(), 1000).unref();
  return destination;
}

/**
 * A process logger (API or worker): JSON lines. Request logging already leaves headers and bodies out; the
 * redaction is a second line of defence for anything that logs an object carrying credentials.
 */
export function createProcessLogger({ service, level, mixin, destination }: ProcessLoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      ...(mixin ? { mixin } : {}),
      redact: {
        paths: ['*.authorization', '*.Authorization', '*.password', '*.token', '*.accessToken', '*.refreshToken'],
        censor: '[redacted]',
      },
    },
    destination ?? batchedStdout(),
  );
}
