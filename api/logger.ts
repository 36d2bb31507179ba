import type { DestinationStream, Logger } from 'pino';
import type { Config } from '../config/env.js';
import { createProcessLogger } from '../config/logger.js';
import { currentRequestId } from './request-context.js';

/** Every line written while a request runs carries its id, however deep the code that writes it. */
function requestIdMixin(): Record<string, unknown> {
  const requestId = currentRequestId();
  return requestId ? { requestId } : {};
}

/** The API's logger: JSON lines on stdout (`service: "api"`), each with the `requestId` of the request it ran for. */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return createProcessLogger({ service: 'api', level, mixin: requestIdMixin, ...(destination ? { destination } : {}) });
}
