import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Vendor } from '../../db/entities/enums.js';
import { VendorConnection } from '../../db/entities/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { createSlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { createTwilioSimulator } from '../../sandbox/vendors/twilio/index.js';
import { syncResourcesOf } from '../../temporal/sync-catalog.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { freePort } from '../services/ports.js';
import { sandboxConnection } from '../sandbox-connections.js';
import type { BenchServices } from './sync-services.js';
import { startWorkerProcess, type WorkerProcess } from './sync-worker-process.js';
import { benchApiEnv, startApiProcess, type ApiProcess } from './webhooks-api-process.js';
import type { BurstTargets, BurstVendor } from './webhooks-vendors.js';

/** Far above any burst: the benchmark measures answers, not the limiter (whose 100/min is tested elsewhere). */
export const BENCH_WEBHOOKS_PER_MINUTE = 1_000_000;
const WORKER_PAGE_SIZE = 100;

/** Everything the burst talks to, besides the throwaway PostgreSQL, Redis and Temporal. */
export interface WebhookStack {
  readonly sandbox: RunningSandbox;
  readonly targets: BurstTargets;
  readonly taskQueue: string;
  /** The worker process running now, or null between `stopWorker` and `startWorker`. */
  readonly worker: WorkerProcess | null;
  /** Stops the worker: the burst then measures the receiving path alone, and the work waits in Temporal. */
  stopWorker(): Promise<void>;
  /** Starts a fresh worker on the same task queue (after a burst measured without one). */
  startWorker(): Promise<WorkerProcess>;
  readonly api: ApiProcess;
  readonly apiBaseUrl: string;
  readonly apiLogFile: string;
  stop(): Promise<void>;
}

export type SandboxInfo = Record<string, Record<string, unknown>>;

/** One connection per vendor, stored as the app stores one after OAuth (or an API key): sealed with the cipher. */
export async function storeConnections<V extends Vendor>(
  services: BenchServices,
  info: SandboxInfo,
  vendors: readonly V[],
): Promise<Record<V, string>> {
  const em = services.orm.em.fork();
  const ids = {} as Record<V, string>;
  const rows = vendors.map((vendor) => {
    const { externalAccountId, displayName, secrets } = sandboxConnection(vendor, info[vendor]!);
    return em.create(VendorConnection, {
      vendor,
      externalAccountId,
      displayName,
      credentialsEncrypted: services.cipher.encrypt(secrets),
    });
  });
  await em.flush();
  rows.forEach((row, index) => (ids[vendors[index]!] = row.id));
  return ids;
}

function burstTargets(
  publicBaseUrl: string,
  running: RunningSandbox,
  info: SandboxInfo,
  connections: Record<BurstVendor, string>,
): BurstTargets {
  const text = (vendor: string, key: string) => String(info[vendor]![key]);
  const botUserId = text('slack', 'botUserId');
  const person = running.sandbox.world.slackMessages.find((message) => message.user !== botUserId)?.user;
  if (!person) throw new Error('the Slack sandbox has no messages from a person');
  return {
    publicBaseUrl,
    jobber: {
      connectionId: connections.jobber,
      clientSecret: text('jobber', 'clientSecret'),
      accountId: text('jobber', 'accountId'),
      appId: text('jobber', 'appId'),
    },
    quickbooks: {
      connectionId: connections.quickbooks,
      verifierToken: text('quickbooks', 'webhookVerifierToken'),
      realmId: text('quickbooks', 'realmId'),
    },
    slack: {
      connectionId: connections.slack,
      signingSecret: text('slack', 'signingSecret'),
      verificationToken: text('slack', 'verificationToken'),
      teamId: text('slack', 'teamId'),
      appId: text('slack', 'appId'),
      channels: running.sandbox.world.slackChannels.map((channel) => channel.id),
      user: person,
    },
    twilio: {
      connectionId: connections.twilio,
      accountSid: text('twilio', 'accountSid'),
      authToken: text('twilio', 'authToken'),
      phoneNumber: (info.twilio!.phoneNumbers as string[])[0]!,
    },
  };
}

/**
 * A full sync of every Jobber and QuickBooks resource, as a connection has had long before webhooks arrive in
 * production: the passes the burst's webhooks ask for are then the incremental ones production runs.
 */
export async function syncEverything(
  services: BenchServices,
  taskQueue: string,
  connections: Record<'jobber' | 'quickbooks', string>,
) {
  const syncs = (['jobber', 'quickbooks'] as const).flatMap((vendor) =>
    syncResourcesOf(vendor).map(async (resource) => {
      const connection = { id: connections[vendor], vendor };
      const handle = await startSync(services.temporal, taskQueue, connection, resource, 'full');
      return (await handle.result()).totals.fetched;
    }),
  );
  return (await Promise.all(syncs)).reduce((sum, fetched) => sum + fetched, 0);
}

/**
 * The sandbox (Jobber, QuickBooks, Slack and Twilio simulators; the syncs the webhooks ask for read Jobber and
 * QuickBooks), one stored connection per vendor, a worker process on a task queue of its own, and the API in a
 * child process whose public origin is its own address (Twilio signs the URL it posts to).
 */
export async function startWebhookStack(
  services: BenchServices,
  log: (line: string) => void,
  dataDir: string,
): Promise<WebhookStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const sandbox = await startSandbox({
      factories: [createJobberSimulator, createQuickbooksSimulator, createSlackSimulator, createTwilioSimulator],
      port: 0,
      scale: 'small',
    });
    stops.push(() => sandbox.close());
    // The syncs are a consequence of the webhooks, not what is measured: no vendor throttling to wait out.
    sandbox.sandbox.settings.rateLimits = false;
    const info = ((await (await fetch(`${sandbox.controlUrl}/_sandbox`)).json()) as { vendors: SandboxInfo }).vendors;
    const connections = await storeConnections(services, info, ['jobber', 'quickbooks', 'slack', 'twilio'] as const);

    const taskQueue = `bench-webhooks-${randomUUID()}`;
    let worker: WorkerProcess | null = null;
    const startWorker = async () => {
      const started = await startWorkerProcess({ ...services.worker, taskQueue, pageSize: WORKER_PAGE_SIZE });
      worker = started;
      log(`worker process ${started.pid} polls task queue ${taskQueue}`);
      return started;
    };
    const stopWorker = async () => {
      const running = worker;
      worker = null;
      await running?.stop();
    };
    stops.push(stopWorker);
    await startWorker();
    const synced = await syncEverything(services, taskQueue, connections);
    log(
      `full syncs of every Jobber and QuickBooks resource done (${synced} records), so webhooks ask for incremental ones`,
    );

    const port = await freePort();
    const apiBaseUrl = `http://127.0.0.1:${port}`;
    const apiLogFile = join(dataDir, 'api.log');
    const api = await startApiProcess(
      {
        env: benchApiEnv(services.worker, port, taskQueue),
        webhooksPerMinute: BENCH_WEBHOOKS_PER_MINUTE,
        rateLimitNamespace: `bench-webhooks-${randomUUID()}`,
      },
      apiLogFile,
    );
    stops.push(() => api.stop());
    log(`API process ${api.pid} listens on ${apiBaseUrl}`);
    return {
      sandbox,
      targets: burstTargets(apiBaseUrl, sandbox, info, connections),
      taskQueue,
      get worker() {
        return worker;
      },
      stopWorker,
      startWorker,
      api,
      apiBaseUrl,
      apiLogFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
