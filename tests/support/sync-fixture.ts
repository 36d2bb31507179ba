import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { SyncMode } from '../../activities/sync.activities.js';
import { defaultVendorClients, type ConnectionSecrets } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import type { Vendor } from '../../db/entities/enums.js';
import { VendorConnection } from '../../db/entities/index.js';
import type { SyncResource } from '../../integrations/core/records.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { createRedisEventPublisher } from '../../worker/event-publisher.js';
import { getHarness } from './harness.js';

type Info = Record<string, unknown>;
const text = (info: Info, key: string) => String(info[key]);

/** What a connection to the sandbox stores, as an admin's OAuth flow would have left it. */
function sandboxSecrets(vendor: Vendor, info: Info): { externalAccountId: string; secrets: ConnectionSecrets } {
  switch (vendor) {
    case 'jobber':
      return {
        externalAccountId: text(info, 'accountId'),
        secrets: {
          accessToken: text(info, 'accessToken'),
          refreshToken: text(info, 'refreshToken'),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: text(info, 'tokenUrl'),
          },
          endpoints: { graphqlUrl: text(info, 'graphqlUrl') },
        },
      };
    case 'quickbooks':
      return {
        externalAccountId: text(info, 'realmId'),
        secrets: {
          accessToken: text(info, 'accessToken'),
          refreshToken: text(info, 'refreshToken'),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: text(info, 'tokenUrl'),
          },
          endpoints: { v3EndpointBaseUrl: `${text(info, 'baseUrl')}/v3/company/` },
        },
      };
    case 'google':
      return {
        externalAccountId: text(info, 'userEmail'),
        secrets: {
          accessToken: text(info, 'accessToken'),
          refreshToken: text(info, 'refreshToken'),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: `${text(info, 'baseUrl')}/token`,
          },
          endpoints: { rootUrl: `${text(info, 'baseUrl')}/` },
          calendarId: text(info, 'calendarId'),
        },
      };
    case 'airtable': {
      const oauth = info.oauth as Info;
      return {
        externalAccountId: text(info, 'baseId'),
        secrets: {
          accessToken: text(oauth, 'accessToken'),
          refreshToken: text(oauth, 'refreshToken'),
          oauth: {
            clientId: text(oauth, 'clientId'),
            clientSecret: text(oauth, 'clientSecret'),
            tokenUrl: text(oauth, 'tokenUrl'),
          },
          endpoints: { endpointUrl: text(info, 'endpointUrl') },
        },
      };
    }
    default:
      throw new Error(`no sync fixture for ${vendor}`);
  }
}

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
    const { externalAccountId, secrets } = sandboxSecrets(vendor, info[vendor]!);
    const row = em.create(VendorConnection, {
      vendor,
      externalAccountId,
      credentialsEncrypted: cipher.encrypt(secrets),
    });
    connections[vendor] = { id: row.id, vendor };
  }
  await em.flush();

  const taskQueue = harness.uniqueTaskQueue('sync');
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  if (options.worker !== false) {
    worker = await Worker.create({
      connection: harness.nativeConnection,
      namespace: harness.config.temporal.namespace,
      taskQueue,
      workflowBundle: await harness.workflowBundle(),
      activities: createActivities({
        orm: harness.orm,
        events: createRedisEventPublisher(harness.redis),
        credentials: cipher,
        vendors: defaultVendorClients(options.pageSize, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }),
    });
    workerRun = worker.run();
  }

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
      worker?.shutdown();
      await workerRun;
      await running.close();
    },
  };
}
