import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { defaultVendorClients } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { openOrm } from '../../db/orm.js';
import { createRedisEventPublisher } from '../../worker/event-publisher.js';
import { createWorker } from '../../worker/worker.js';
import { BENCH_WORKER_ENV, type BenchWorkerSettings } from './sync-worker-process.js';

/*
 * The benchmark's worker, in a process of its own so its peak memory (VmHWM) is the worker's alone: the same
 * `createWorker` and dependencies as worker/main.ts, except that the workflows come pre-bundled (the parent bundles
 * once; bundling is a start-up cost, not a sync cost) and the page size is the benchmark's.
 * Driven over IPC (sync-worker-process.ts): it sends `ready` once polling, and drains and exits on `stop`.
 */

async function main(): Promise<void> {
  const settings = JSON.parse(process.env[BENCH_WORKER_ENV] ?? '') as BenchWorkerSettings;
  // ERROR, not WARN: every THROTTLED page is an expected activity failure that the SDK would log in full.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const orm = await openOrm(settings.databaseUrl);
  const redis = new Redis(settings.redisUrl);
  const connection = await NativeConnection.connect({ address: settings.temporalAddress });
  try {
    const worker = await createWorker({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      workflowBundle: { codePath: settings.workflowBundlePath },
      deps: {
        orm,
        events: createRedisEventPublisher(redis),
        redis,
        credentials: createCredentialsCipher(settings.credentialsKey),
        vendors: defaultVendorClients(settings.pageSize),
      },
    });
    process.on('message', (message) => {
      if (message === 'stop') worker.shutdown();
    });
    // The parent going away must not leave a worker polling forever.
    process.on('disconnect', () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    });
    const running = worker.run();
    process.send?.('ready');
    await running;
  } finally {
    await connection.close();
    redis.disconnect();
    await orm.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench worker:', error);
    process.exit(1);
  },
);
