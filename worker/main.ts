import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../config/env.js';
import { defaultVendorClients } from '../activities/vendor-clients.js';
import { createCredentialsCipher } from '../db/credentials-cipher.js';
import { openOrm } from '../db/orm.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createRedisEventPublisher } from './event-publisher.js';
import { createWorker } from './worker.js';

let worker: Worker | undefined;

/**
 * The SDK's own signal handling only reaches a worker that is already running; a signal during start-up (while the
 * workflows are being bundled) would be swallowed. So: drain a running worker, otherwise just leave.
 */
function handleShutdownSignals(): void {
  Runtime.install({ shutdownSignals: [] });
  const stop = () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    else process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  handleShutdownSignals();
  const config = loadConfig();
  const orm = await openOrm(config.databaseUrl);
  const redis = new Redis(config.redisUrl, { lazyConnect: true });
  let redisDown = false;
  redis.on('error', (error: Error) => {
    // ioredis reconnects by itself; say so once per outage rather than on every retry.
    if (!redisDown) console.warn(`worker: Redis unavailable (${error.message}); retrying`);
    redisDown = true;
  });
  redis.on('ready', () => {
    redisDown = false;
  });
  await redis.connect();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    await ensureSearchAttributes(connection, config.temporal.namespace).catch((error: unknown) => {
      // A managed namespace may refuse operator calls; syncs still run, only Web UI filtering is lost.
      console.warn(`worker: could not register search attributes: ${String(error)}`);
    });
    worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: {
        orm,
        events: createRedisEventPublisher(redis),
        redis,
        credentials: createCredentialsCipher(config.credentialsKey),
        vendors: defaultVendorClients(),
        publicBaseUrl: config.publicBaseUrl,
      },
    });
    console.log(`worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    await worker.run(); // resolves once shutdown() has drained in-flight tasks
  } finally {
    await connection.close();
    redis.disconnect();
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
