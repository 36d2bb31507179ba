import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { defaultVendorClients, type VendorClientTuning } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { createRedisEventPublisher } from '../../worker/event-publisher.js';
import { getHarness } from './harness.js';

export interface TestWorker {
  /** Drains in-flight tasks and waits for the worker to stop. */
  stop(): Promise<void>;
}

/** A real Temporal worker with every workflow and activity, on a task queue of the test's own. */
export async function startTestWorker(
  taskQueue: string,
  options: { pageSize?: number; publicBaseUrl?: string } & VendorClientTuning = {},
): Promise<TestWorker> {
  const harness = getHarness();
  const worker = await Worker.create({
    connection: harness.nativeConnection,
    namespace: harness.config.temporal.namespace,
    taskQueue,
    workflowBundle: await harness.workflowBundle(),
    activities: createActivities({
      orm: harness.orm,
      events: createRedisEventPublisher(harness.redis),
      redis: harness.redis,
      credentials: createCredentialsCipher(harness.config.credentialsKey),
      vendors: defaultVendorClients(options.pageSize, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      // Where vendors post status reports (Twilio's StatusCallback); a test's own API server.
      ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
    }),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
