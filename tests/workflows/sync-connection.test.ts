import { Worker } from '@temporalio/worker';
import { expect } from 'chai';
import type { Vendor } from '../../db/entities/enums.js';
import { Client, Job, SyncLog, VendorConnection } from '../../db/entities/index.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { createActivities } from '../../activities/index.js';
import { defaultVendorClients, type ConnectionSecrets } from '../../activities/vendor-clients.js';
import type { SyncMode } from '../../activities/sync.activities.js';
import type { SyncResource } from '../../integrations/core/records.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { createRedisEventPublisher } from '../../worker/event-publisher.js';
import { getHarness } from '../support/harness.js';

type Info = Record<string, string>;

describe('syncConnection workflow (real Temporal, PostgreSQL and Redis; vendors from the sandbox)', function () {
  this.timeout(120_000);
  let running: RunningSandbox;
  let worker: Worker;
  let workerRun: Promise<void>;
  let taskQueue: string;
  const connections: Partial<Record<Vendor, { id: string; vendor: string }>> = {};

  async function sandboxInfo(): Promise<Record<string, Info>> {
    const reply = await fetch(`${running.controlUrl}/_sandbox`);
    return ((await reply.json()) as { vendors: Record<string, Info> }).vendors;
  }

  async function connect(vendor: Vendor, externalAccountId: string, secrets: ConnectionSecrets) {
    const em = getHarness().orm.em.fork();
    const cipher = createCredentialsCipher(getHarness().config.credentialsKey);
    const row = em.create(VendorConnection, {
      vendor,
      externalAccountId,
      credentialsEncrypted: cipher.encrypt(secrets),
    });
    await em.flush();
    connections[vendor] = { id: row.id, vendor };
  }

  async function sync(vendor: Vendor, resource: SyncResource, mode: SyncMode) {
    const handle = await startSync(getHarness().temporalClient, taskQueue, connections[vendor]!, resource, mode);
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, result: await handle.result() };
  }

  /** Customers the vendor shows: not deleted, and not missing from that vendor. */
  function visibleCustomers(vendor: 'jobber' | 'quickbooks'): number {
    return running.sandbox.world.customers.filter((c) => !c.deletedAt && !c.variants[vendor]?.missing).length;
  }

  before(async () => {
    const harness = getHarness();
    await harness.truncateAll();
    running = await startSandbox({
      factories: [createJobberSimulator, createQuickbooksSimulator],
      port: 0,
      scale: 'small',
    });
    running.sandbox.settings.rateLimits = false;
    const info = await sandboxInfo();
    const jobber = info.jobber!;
    await connect('jobber', jobber.accountId!, {
      accessToken: jobber.accessToken!,
      refreshToken: jobber.refreshToken!,
      oauth: { clientId: jobber.clientId!, clientSecret: jobber.clientSecret!, tokenUrl: jobber.tokenUrl! },
      endpoints: { graphqlUrl: jobber.graphqlUrl! },
    });
    const qbo = info.quickbooks!;
    await connect('quickbooks', qbo.realmId!, {
      accessToken: qbo.accessToken!,
      refreshToken: qbo.refreshToken!,
      oauth: { clientId: qbo.clientId!, clientSecret: qbo.clientSecret!, tokenUrl: qbo.tokenUrl! },
      endpoints: { v3EndpointBaseUrl: `${qbo.baseUrl!}/v3/company/` },
    });

    taskQueue = harness.uniqueTaskQueue('sync');
    worker = await Worker.create({
      connection: harness.nativeConnection,
      namespace: harness.config.temporal.namespace,
      taskQueue,
      workflowBundle: await harness.workflowBundle(),
      activities: createActivities({
        orm: harness.orm,
        events: createRedisEventPublisher(harness.redis),
        credentials: createCredentialsCipher(harness.config.credentialsKey),
        // Small pages so a small world still spans many pages.
        vendors: defaultVendorClients(7),
      }),
    });
    workerRun = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await workerRun;
    await running?.close();
  });

  it('a full sync of Jobber customers stores exactly the customers Jobber shows, page by page', async () => {
    const { workflowId, runId, result } = await sync('jobber', 'customers', 'full');
    const expected = visibleCustomers('jobber');
    expect(result.done).to.equal(true);
    expect(result.totals.fetched).to.equal(expected);
    const em = getHarness().orm.em.fork();
    expect(await em.count(Client, { jobberId: { $ne: null } })).to.equal(expected);
    const pages = await em.find(SyncLog, { workflowId, runId, step: 'page_stored' });
    expect(pages).to.have.length(Math.ceil(expected / 7));
    const completed = await em.findOne(SyncLog, { workflowId, runId, step: 'completed' });
    expect(completed?.status).to.equal('succeeded');
    const connection = await em.findOneOrFail(VendorConnection, { id: connections.jobber!.id });
    expect(connection.syncCursors.customers).to.be.a('string');
  });

  it('merges QuickBooks customers into the same clients by email or phone', async () => {
    await sync('quickbooks', 'customers', 'full');
    const em = getHarness().orm.em.fork();
    const both = await em.count(Client, { jobberId: { $ne: null }, quickbooksId: { $ne: null } });
    const world = running.sandbox.world.customers.filter(
      (c) => !c.deletedAt && !c.variants.jobber?.missing && !c.variants.quickbooks?.missing && (c.email || c.phone),
    );
    expect(both).to.be.at.least(Math.floor(world.length * 0.9));
    expect(await em.count(Client, { quickbooksId: { $ne: null } })).to.be.at.least(1);
  });

  it('an incremental sync applies exactly the sandbox changes, fetching pages by changes, not by data size', async () => {
    await sync('jobber', 'jobs', 'full');
    const control = (body: unknown) =>
      fetch(`${running.controlUrl}/_sandbox/mutate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await control({ entity: 'job', action: 'update', key: 3, changes: { title: 'Renamed in Jobber' } });
    await control({ entity: 'job', action: 'update', key: 4, changes: { title: 'Also renamed' } });
    const { workflowId, runId, result } = await sync('jobber', 'jobs', 'incremental');
    expect(result.mode).to.equal('incremental');
    expect(result.totals.fetched).to.equal(2);
    const em = getHarness().orm.em.fork();
    const titles = (await em.find(Job, { title: { $in: ['Renamed in Jobber', 'Also renamed'] } })).map(
      (job) => job.title,
    );
    expect(titles.sort()).to.deep.equal(['Also renamed', 'Renamed in Jobber']);
    expect(await em.count(SyncLog, { workflowId, runId, step: 'page_stored' })).to.equal(1);
  });

  it('fails a sync whose connection was revoked without retrying, and marks it needs_reauth', async () => {
    running.simulators.get('jobber')!.authFault!('refresh_token_revoked');
    running.simulators.get('jobber')!.authFault!('token_expiry_now');
    let failure: unknown;
    try {
      await sync('jobber', 'quotes', 'full');
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.match(/Workflow execution failed/);
    const em = getHarness().orm.em.fork();
    const connection = await em.findOneOrFail(VendorConnection, { id: connections.jobber!.id });
    expect(connection.status).to.equal('needs_reauth');
    const failed = await em.find(SyncLog, { connection: connections.jobber!.id, step: 'failed' });
    expect(failed.length).to.equal(1);
  });
});
