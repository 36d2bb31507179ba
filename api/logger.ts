import { pino, type Logger } from 'pino';
import type { Config } from '../config/env.js';

/** Bytes of log lines gathered before one write: a write per request line cost more than the request's own work. */
const LOG_BUFFER_BYTES = 4096;

/**
 * The process logger: JSON lines on stdout. Request logging already leaves headers and bodies out; the
 * redaction is a second line of defence for anything that logs an object carrying credentials. Lines are written
 * in batches (sonic-boom's buffer) and flushed synchronously when the process exits, so a crash keeps its last lines.
 */
export function createLogger(level: Config['logLevel']): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // An async write still in flight owns the buffer; what it holds is on its way out.
    }
  });
  // A quiet process must not sit on buffered lines: at most a second late.
  setInterval(() => destination.flush(), 1000).unref();
  return pino(
    {
      level,
      base: { service: 'api' },
      redact: {
        paths: ['*.authorization', '*.Authorization', '*.password', '*.token', '*.accessToken', '*.refreshToken'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
