import { expect } from 'chai';
import { Client, Job, SyncLog, VendorConnection } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { searchAttributes } from '../../temporal/search-attribute-keys.js';
import { requestSyncPass, startSync } from '../../temporal/workflow-starters.js';
import { syncProgressQuery } from '../../workflows/sync-signals.js';
import { listenToEventChannel } from '../support/event-channel.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

describe('syncConnection workflow (real Temporal, PostgreSQL and Redis; vendors from the sandbox)', function () {
  this.timeout(120_000);
  let fixture: SyncFixture;

  /** Customers the vendor shows: not deleted, and not missing from that vendor. */
  function visibleCustomers(vendor: 'jobber' | 'quickbooks'): number {
    return fixture.running.sandbox.world.customers.filter((c) => !c.deletedAt && !c.variants[vendor]?.missing).length;
  }

  const completedPasses = (workflowId: string) =>
    getHarness().orm.em.fork().count(SyncLog, { workflowId, step: 'completed' });

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createJobberSimulator, createQuickbooksSimulator],
      vendors: ['jobber', 'quickbooks'],
      pageSize: 7,
    });
  });

  after(async () => {
    await fixture?.close();
  });

  it('a full sync of Jobber customers stores exactly the customers Jobber shows, page by page', async () => {
    const { workflowId, runId, result } = await fixture.sync('jobber', 'customers', 'full');
    const expected = visibleCustomers('jobber');
    expect(result.done).to.equal(true);
    expect(result.totals.fetched).to.equal(expected);
    const em = getHarness().orm.em.fork();
    expect(await em.count(Client, { jobberId: { $ne: null } })).to.equal(expected);
    const pages = await em.find(SyncLog, { workflowId, runId, step: 'page_stored' });
    expect(pages).to.have.length(Math.ceil(expected / 7));
    const completed = await em.findOne(SyncLog, { workflowId, runId, step: 'completed' });
    expect(completed?.status).to.equal('succeeded');
    const connection = await em.findOneOrFail(VendorConnection, { id: fixture.connections.jobber!.id });
    expect(connection.syncCursors.customers).to.be.a('string');
  });

  it('merges QuickBooks customers into the same clients by email or phone', async () => {
    await fixture.sync('quickbooks', 'customers', 'full');
    const em = getHarness().orm.em.fork();
    const both = await em.count(Client, { jobberId: { $ne: null }, quickbooksId: { $ne: null } });
    const world = fixture.running.sandbox.world.customers.filter(
      (c) => !c.deletedAt && !c.variants.jobber?.missing && !c.variants.quickbooks?.missing && (c.email || c.phone),
    );
    expect(both).to.be.at.least(Math.floor(world.length * 0.9));
    expect(await em.count(Client, { quickbooksId: { $ne: null } })).to.be.at.least(1);
  });

  it('an incremental sync applies exactly the sandbox changes, fetching pages by changes, not by data size', async () => {
    await fixture.sync('jobber', 'jobs', 'full');
    await fixture.control('mutate', {
      entity: 'job',
      action: 'update',
      key: 3,
      changes: { title: 'Renamed in Jobber' },
    });
    await fixture.control('mutate', { entity: 'job', action: 'update', key: 4, changes: { title: 'Also renamed' } });
    const channel = await listenToEventChannel();
    const fullPassEvents = channel.received.length;
    const { workflowId, runId, result } = await fixture.sync('jobber', 'jobs', 'incremental');
    expect(result.mode).to.equal('incremental');
    expect(result.totals.fetched).to.equal(2);
    const em = getHarness().orm.em.fork();
    const titles = (await em.find(Job, { title: { $in: ['Renamed in Jobber', 'Also renamed'] } })).map(
      (job) => job.title,
    );
    expect(titles.sort()).to.deep.equal(['Also renamed', 'Renamed in Jobber']);
    expect(await em.count(SyncLog, { workflowId, runId, step: 'page_stored' })).to.equal(1);

    // Each changed job is announced to its client's subscribers, the full pass before announced none.
    expect(fullPassEvents).to.equal(0);
    try {
      const renamed = await em.find(Job, { title: { $in: ['Renamed in Jobber', 'Also renamed'] } });
      for (const job of renamed) {
        const announced = await channel.waitFor('job.updated', (payload) => payload.id === job.id);
        expect(announced.payload).to.deep.include({
          change: 'updated',
          source: 'sync',
          clientId: job.client?.id ?? null,
        });
      }
      expect(channel.received.filter((entry) => entry.event === 'job.updated')).to.have.length(2);
    } finally {
      channel.close();
    }
  });

  it('an incremental sync of customers announces each changed client to its subscribers', async () => {
    await fixture.sync('jobber', 'customers', 'full');
    await fixture.control('mutate', {
      entity: 'customer',
      action: 'update',
      key: 5,
      changes: { lastName: 'Realtime' },
    });
    const channel = await listenToEventChannel();
    try {
      const { result } = await fixture.sync('jobber', 'customers', 'incremental');
      expect(result.totals.fetched).to.equal(1);
      const client = await getHarness()
        .orm.em.fork()
        .findOneOrFail(Client, { name: { $like: '%Realtime%' } });
      const announced = await channel.waitFor('client.updated', (payload) => payload.id === client.id);
      expect(announced.payload).to.deep.include({ clientId: client.id, change: 'updated', source: 'sync' });
    } finally {
      channel.close();
    }
  });

  it('a pass requested while a sync runs adds exactly one more incremental pass, however many requests', async () => {
    const { temporalClient } = getHarness();
    const connection = fixture.connections.jobber!;
    const handle = await startSync(temporalClient, fixture.taskQueue, connection, 'invoices', 'full');
    // Requests made before the first page are answered by the pass itself; these come once it is under way.
    while ((await handle.query(syncProgressQuery)).page < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const reason of ['webhook 1', 'webhook 2', 'webhook 3']) {
      await requestSyncPass(temporalClient, fixture.taskQueue, connection, 'invoices', { reason });
    }
    const result = await handle.result();
    expect(result.mode).to.equal('incremental');
    expect(await completedPasses(handle.workflowId)).to.equal(2);
    // Started as a full sync, it ended on an incremental pass, and the Web UI's SyncKind follows.
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(searchAttributes.syncKind)).to.equal('incremental');
  });

  it('a pass requested when no sync runs starts one sync with one pass', async () => {
    const { temporalClient } = getHarness();
    const connection = fixture.connections.jobber!;
    await fixture.sync('jobber', 'quotes', 'full');
    const before = await completedPasses(`sync:${connection.id}:quotes`);
    const handle = await requestSyncPass(temporalClient, fixture.taskQueue, connection, 'quotes', {
      reason: 'webhook',
      externalIds: ['Q1'],
    });
    const result = await handle.result();
    expect(result.mode).to.equal('incremental');
    expect(await completedPasses(handle.workflowId)).to.equal(before + 1);
    const started = await getHarness()
      .orm.em.fork()
      .findOneOrFail(SyncLog, { workflowId: handle.workflowId, step: 'started' }, { orderBy: { createdAt: 'desc' } });
    expect(started.metadata?.requests).to.deep.equal([{ reason: 'webhook', externalIds: ['Q1'] }]);
  });

  it('fails a sync whose connection was revoked without retrying, marks it needs_reauth and alerts', async () => {
    const channel = await listenToEventChannel();
    fixture.running.simulators.get('jobber')!.authFault!('refresh_token_revoked');
    fixture.running.simulators.get('jobber')!.authFault!('token_expiry_now');
    let failure: unknown;
    try {
      await fixture.sync('jobber', 'quotes', 'full');
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.match(/Workflow execution failed/);
    const em = getHarness().orm.em.fork();
    const connection = await em.findOneOrFail(VendorConnection, { id: fixture.connections.jobber!.id });
    expect(connection.status).to.equal('needs_reauth');
    const failed = await em.find(SyncLog, { connection: fixture.connections.jobber!.id, step: 'failed' });
    expect(failed.length).to.equal(1);
    try {
      const alert = await channel.waitFor('alert.created', (payload) => payload.type === 'needs_reauth');
      expect(alert.payload).to.deep.include({ kind: 'connection', severity: 'critical' });
      expect(alert.payload.subject).to.deep.include({ connectionId: connection.id, vendor: 'jobber' });
      const syncAlert = await channel.waitFor('alert.created', (payload) => payload.type === 'sync_failed');
      expect(syncAlert.payload).to.deep.include({ kind: 'sync', severity: 'warning' });
      expect(syncAlert.payload.subject).to.deep.include({ connectionId: connection.id, resource: 'quotes' });
    } finally {
      channel.close();
    }
  });
});
