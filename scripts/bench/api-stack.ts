import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createUser } from '../../api/auth/users.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { freePort } from '../services/ports.js';
import type { BenchServices } from './sync-services.js';
import { startWorkerProcess } from './sync-worker-process.js';
import { benchApiEnv, startApiProcess, type ApiProcess } from './webhooks-api-process.js';
import { storeConnections, syncEverything, type SandboxInfo } from './webhooks-stack.js';

const WORKER_PAGE_SIZE = 100;
/** Far above what the load reaches: the benchmark measures the endpoints; the limiter still runs on each request. */
const BENCH_REQUESTS_PER_MINUTE = 100_000_000;

export interface ApiBenchStack {
  readonly api: ApiProcess;
  readonly apiBaseUrl: string;
  /** An admin's access token: the summary with every figure, finance included. */
  readonly token: string;
  /** Rows the sync stored, as the API serves them (not deleted). */
  readonly stored: { clients: number; jobs: number; invoices: number; payments: number };
  readonly syncSeconds: number;
  /** The API process's environment: the reference apps that verify its tokens read its key and options from it. */
  readonly apiEnv: Record<string, string>;
  stop(): Promise<void>;
}

async function storedCounts(services: BenchServices): Promise<ApiBenchStack['stored']> {
  const [row] = await services.orm.em
    .getConnection()
    .execute<Array<{ clients: string; jobs: string; invoices: string; payments: string }>>(
      `select (select count(*) from clients where deleted_at is null) as clients,
            (select count(*) from jobs where deleted_at is null) as jobs,
            (select count(*) from invoices where deleted_at is null) as invoices,
            (select count(*) from payments) as payments`,
    );
  return {
    clients: Number(row!.clients),
    jobs: Number(row!.jobs),
    invoices: Number(row!.invoices),
    payments: Number(row!.payments),
  };
}

async function login(apiBaseUrl: string, email: string, password: string): Promise<string> {
  const reply = await fetch(`${apiBaseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!reply.ok) throw new Error(`login failed: ${reply.status} ${await reply.text()}`);
  return ((await reply.json()) as { accessToken: string }).accessToken;
}

/**
 * The sandbox's large world (Jobber and QuickBooks at `customers` customers, about five jobs each) synced in full
 * by a worker process through Temporal, the way a connected business has its data; then the worker stops (nothing
 * moves the data during the measurements) and the API runs in a child process with an admin signed in.
 */
export async function startApiBenchStack(
  services: BenchServices,
  log: (line: string) => void,
  dataDir: string,
  customers: number,
): Promise<ApiBenchStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const sandbox: RunningSandbox = await startSandbox({
      factories: [createJobberSimulator, createQuickbooksSimulator],
      port: 0,
      scale: customers,
    });
    stops.push(() => sandbox.close());
    sandbox.sandbox.settings.rateLimits = false;
    const info = ((await (await fetch(`${sandbox.controlUrl}/_sandbox`)).json()) as { vendors: SandboxInfo }).vendors;
    const connections = await storeConnections(services, info, ['jobber', 'quickbooks'] as const);

    const taskQueue = `bench-api-${randomUUID()}`;
    const worker = await startWorkerProcess({ ...services.worker, taskQueue, pageSize: WORKER_PAGE_SIZE });
    log(`worker process ${worker.pid}: full syncs of every Jobber and QuickBooks resource (${customers} customers)`);
    const startedAt = performance.now();
    const synced = await syncEverything(services, taskQueue, connections);
    const syncSeconds = Number(((performance.now() - startedAt) / 1000).toFixed(1));
    await worker.stop();
    await sandbox.close();
    stops.pop();
    const stored = await storedCounts(services);
    log(`synced ${synced} records in ${syncSeconds} s; stored ${JSON.stringify(stored)}`);
    await services.orm.em.getConnection().execute('vacuum analyze');

    const port = await freePort();
    const apiBaseUrl = `http://127.0.0.1:${port}`;
    const apiEnv = benchApiEnv(services.worker, port, taskQueue);
    const api = await startApiProcess(
      {
        env: apiEnv,
        webhooksPerMinute: 100,
        globalPerMinute: BENCH_REQUESTS_PER_MINUTE,
        rateLimitNamespace: `bench-api-${randomUUID()}`,
      },
      join(dataDir, 'api.log'),
    );
    stops.push(() => api.stop());
    const email = `bench-admin-${randomUUID()}@example.com`;
    const password = randomBytes(18).toString('base64url');
    await createUser(services.orm.em.fork(), { email, password, role: 'admin' });
    const token = await login(apiBaseUrl, email, password);
    log(`API process ${api.pid} listens on ${apiBaseUrl}; admin signed in`);
    return { api, apiBaseUrl, token, stored, syncSeconds, apiEnv, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
