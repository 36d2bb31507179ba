import { pino } from 'pino';
import { createRealtime, type RealtimeServer } from '../../api/realtime/io.js';
import { getHarness } from './harness.js';

/**
 * socket.io on the harness's Redis, attached to no HTTP server: for tests that assemble AppDeps themselves. Its
 * announcements still reach every attached instance's sockets through the Redis adapter. Close it after the test.
 */
export function detachedRealtime(): RealtimeServer {
  const { config, redis } = getHarness();
  return createRealtime({ config, redis, logger: pino({ level: 'silent' }) });
}
