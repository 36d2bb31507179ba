import type { SyncMode } from '../../activities/sync.activities.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import type { Vendor } from '../../db/entities/enums.js';
import { VendorConnection } from '../../db/entities/index.js';
import type { SyncResource } from '../../integrations/core/records.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { sandboxConnection } from '../../scripts/sandbox-connections.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { getHarness } from './harness.js';
import { startTestWorker } from './worker.js';

type Info = Record<string, unknown>;

export interface SyncFixture {
  readonly running: RunningSandbox;
  readonly taskQueue: string;
  readonly connections: Partial<Record<Vendor, { id: string; vendor: Vendor }>>;
  /** Starts (or joins) a sync and waits for its result. */
  sync(
    vendor: Vendor,
    resource: SyncResource,
    mode: SyncMode,
  ): Promise<{ workflowId: string; runId: string; result: Awaited<ReturnType<typeof runSync>> }>;
  /** The sandbox's control API: mutate the world, inject faults. */
  control(path: string, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

async function runSync(handle: Awaited<ReturnType<typeof startSync>>) {
  return handle.result();
}

/**
 * A sandbox with the given simulators, one connection per vendor in the database, and a worker on a task queue
 * of its own. Tables are emptied first, so each suite starts from nothing.
 */
export async function startSyncFixture(options: {
  factories: SandboxOptions['factories'];
  vendors: Vendor[];
  /** Small pages make a small world span many pages. */
  pageSize?: number;
  scale?: SandboxOptions['scale'];
  /** Per-request vendor timeout, so injected hangs cost seconds, not the default 30 s. */
  timeoutMs?: number;
  worker?: boolean;
}): Promise<SyncFixture> {
  const harness = getHarness();
  await harness.truncateAll();
  const running = await startSandbox({ factories: options.factories, port: 0, scale: options.scale ?? 'small' });
  running.sandbox.settings.rateLimits = false;
  const reply = await fetch(`${running.controlUrl}/_sandbox`);
  const info = ((await reply.json()) as { vendors: Record<string, Info> }).vendors;
  const cipher = createCredentialsCipher(harness.config.credentialsKey);
  const connections: SyncFixture['connections'] = {};
  const em = harness.orm.em.fork();
  for (const vendor of options.vendors) {
    const { externalAccountId, secrets } = sandboxConnection(vendor, info[vendor]!);
    const row = em.create(VendorConnection, {
      vendor,
      externalAccountId,
      credentialsEncrypted: cipher.encrypt(secrets),
    });
    connections[vendor] = { id: row.id, vendor };
  }
  await em.flush();

  const taskQueue = harness.uniqueTaskQueue('sync');
  const worker =
    options.worker === false
      ? undefined
      : await startTestWorker(taskQueue, {
          ...(options.pageSize ? { pageSize: options.pageSize } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        });

  return {
    running,
    taskQueue,
    connections,
    async sync(vendor, resource, mode) {
      const handle = await startSync(harness.temporalClient, taskQueue, connections[vendor]!, resource, mode);
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, result: await runSync(handle) };
    },
    control(path, body) {
      return fetch(`${running.controlUrl}/_sandbox/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async close() {
      await worker?.stop();
      await running.close();
    },
  };
}

/**
 * About 1,500 Jobber jobs (15 pages of Jobber's 100) and no worker of its own: with `slowDownJobber`, a full jobs
 * sync takes seconds, long enough for a test to stop a worker in the middle of it.
 */
export function startInterruptibleJobberFixture(): Promise<SyncFixture> {
  return startSyncFixture({ factories: [createJobberSimulator], vendors: ['jobber'], scale: 300, worker: false });
}

/** Every Jobber GraphQL call answers after 150 ms. */
export async function slowDownJobber(fixture: SyncFixture): Promise<void> {
  await fixture.control('faults', { vendor: 'jobber', endpoint: 'graphql', latencyMs: 150 });
}
