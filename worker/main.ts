import { NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../config/env.js';
import { createCredentialsCipher } from '../db/credentials-cipher.js';
import { openOrm } from '../db/orm.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createRedisEventPublisher } from './event-publisher.js';
import { createWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openOrm(config.databaseUrl);
  const redis = new Redis(config.redisUrl, { lazyConnect: true });
  await redis.connect();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    await ensureSearchAttributes(connection, config.temporal.namespace).catch((error: unknown) => {
      // A managed namespace may refuse operator calls; syncs still run, only Web UI filtering is lost.
      console.warn(`worker: could not register search attributes: ${String(error)}`);
    });
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: {
        orm,
        events: createRedisEventPublisher(redis),
        credentials: createCredentialsCipher(config.credentialsKey),
      },
    });
    console.log(`worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
    await worker.run();
  } finally {
    await connection.close();
    await redis.quit().catch(() => undefined);
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
