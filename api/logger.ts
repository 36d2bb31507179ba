import { pino, type Logger } from 'pino';
import type { Config } from '../config/env.js';

/**
 * The process logger: JSON lines on stdout. Request logging already leaves headers and bodies out; the
 * redaction is a second line of defence for anything that logs an object carrying credentials.
 */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'api' },
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.password', '*.token', '*.accessToken', '*.refreshToken'],
      censor: '[redacted]',
    },
  });
}
