import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { expect } from 'chai';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { Client, Job, Quote, SyncLog, VendorConnection } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { SYNC_CATALOG } from '../../temporal/sync-catalog.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import { createTestUser, expectError, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

/** Polls until `probe` returns a value, failing with the last thing it saw once `timeoutMs` has passed. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await getHarness().temporalClient.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

describe('/api/syncs (real Temporal, PostgreSQL and Redis; Jobber and QuickBooks from the sandbox)', function () {
  this.timeout(240_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let token: string;
  let jobber: string;
  let quickbooks: string;

  const post = (path: string, json: unknown = {}) => api.call(`/api/syncs${path}`, { token, json });
  const get = (path: string) => api.call(`/api/syncs${path}`, { token });

  /** GET /api/syncs/:id until the sync has the given status (describe is strongly consistent; runs are not instant). */
  function settled(workflowId: string, status: string, timeoutMs = 120_000): Promise<Json> {
    return until(
      `${workflowId} to be ${status}`,
      async () => {
        const reply = await get(`/${workflowId}`);
        expect(reply.status, reply.text).to.equal(200);
        if (reply.body.status === status) return reply.body;
        expect(reply.body.status, `${workflowId} ended otherwise: ${reply.text.slice(0, 300)}`).to.equal('RUNNING');
        return undefined;
      },
      timeoutMs,
    );
  }

  /** GET /api/syncs with a query until `accept` is satisfied: visibility lags behind the executions it lists. */
  function listed(query: string, accept: (data: Json[]) => boolean): Promise<Json[]> {
    return until(
      `GET /api/syncs${query}`,
      async () => {
        const reply = await get(query);
        expect(reply.status, reply.text).to.equal(200);
        const data = reply.body.data as Json[];
        return accept(data) ? data : undefined;
      },
      10_000,
    );
  }

  function visibleJobberCustomers(): number {
    return fixture.running.sandbox.world.customers.filter((c) => !c.deletedAt && !c.variants.jobber?.missing).length;
  }

  before(async () => {
    // Two records a page: Jobber's 289 jobs take 145 pages, more than one workflow run holds (continue-as-new).
    fixture = await startSyncFixture({
      factories: [createJobberSimulator, createQuickbooksSimulator],
      vendors: ['jobber', 'quickbooks'],
      pageSize: 2,
    });
    jobber = fixture.connections.jobber!.id;
    quickbooks = fixture.connections.quickbooks!.id;
    const harness = getHarness();
    // The API starts syncs on its configured task queue: make it the one the fixture's worker polls.
    api = await startTestApi({ config: { temporal: { ...harness.config.temporal, taskQueue: fixture.taskQueue } } });
    token = (await login(api, await createTestUser('admin'))).accessToken;
  });

  after(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('refuses invalid requests with the one error shape and starts nothing', async () => {
    const unknownProperty = await post('', { vendor: 'jobber', resource: 'customers', mode: 'full', force: true });
    expectError(unknownProperty, 400, 'validation_failed');
    expect(unknownProperty.body.error.details).to.be.an('array').with.length.above(0);
    expectError(await post('', { vendor: 'jobber', resource: 'customers' }), 400, 'validation_failed');
    expectError(await post('', { vendor: 'slack', mode: 'full' }), 400, 'validation_failed');
    const notOffered = await post('', { vendor: 'jobber', resource: 'payments', mode: 'full' });
    expectError(notOffered, 400, 'validation_failed');
    expect(notOffered.body.error.details[0]).to.include({ location: 'body', path: '/resource' });
    expectError(await post('', { vendor: 'google', mode: 'full' }), 404, 'connection_not_found');
    expectError(
      await post('', { vendor: 'jobber', connectionId: quickbooks, resource: 'customers', mode: 'full' }),
      404,
      'connection_not_found',
    );
    expectError(await get('/not-a-sync'), 400, 'validation_failed');
    expectError(await post('/sync:42:customers/cancel'), 400, 'validation_failed');
    expectError(await get('?status=Sleeping'), 400, 'validation_failed');
    expectError(await get('?limit=1000'), 400, 'validation_failed');
    const unknown = workflowIds.sync(randomUUID(), 'customers');
    expectError(await get(`/${unknown}`), 404, 'sync_not_found');
    expectError(await post(`/${unknown}/cancel`), 404, 'sync_not_found');
    expectError(await post(`/${unknown}/rerun`), 404, 'sync_not_found');

    for (const resource of SYNC_CATALOG.jobber)
      expect(await workflowExists(workflowIds.sync(jobber, resource))).to.equal(false);
    expect(await getHarness().orm.em.fork().count(SyncLog, {})).to.equal(0);
  });

  it('starts nothing for the roles that may not run syncs', async () => {
    for (const role of ['user', 'viewer'] as const) {
      const session = await login(api, await createTestUser(role));
      const reply = await api.call('/api/syncs', {
        token: session.accessToken,
        json: { vendor: 'jobber', resource: 'customers', mode: 'full' },
      });
      expectError(reply, 403, 'forbidden');
    }
    expect(await workflowExists(workflowIds.sync(jobber, 'customers'))).to.equal(false);
  });

  it('runs a full sync of Jobber customers and shows its counts and steps', async () => {
    const reply = await post('', { vendor: 'jobber', resource: 'customers', mode: 'full' });
    expect(reply.status, reply.text).to.equal(202);
    const workflowId = workflowIds.sync(jobber, 'customers');
    expect(reply.body).to.include({ workflowId });
    expect(reply.body.runId).to.be.a('string');
    expect(reply.body.syncs).to.deep.equal([{ resource: 'customers', workflowId, runId: reply.body.runId }]);

    const sync = await settled(workflowId, 'COMPLETED');
    const visible = visibleJobberCustomers();
    expect(sync).to.include({ workflowId, runId: reply.body.runId, connectionId: jobber, resource: 'customers' });
    expect(sync.closedAt).to.be.a('string');
    expect(sync.counts).to.include({ fetched: visible, inserted: visible, pages: Math.ceil(visible / 2) });
    const steps = (sync.steps as Json[]).map((step) => step.step);
    expect(steps).to.include.members(['started', 'page_stored', 'completed']);
    expect(steps.filter((step) => step === 'page_stored')).to.have.length(Math.ceil(visible / 2));
    expect(
      await getHarness()
        .orm.em.fork()
        .count(Client, { jobberId: { $ne: null } }),
    ).to.equal(visible);
  });

  it('lists syncs with their status, and filters by status and vendor', async () => {
    const started = await post('', { vendor: 'quickbooks', resource: 'customers', mode: 'full' });
    expect(started.status, started.text).to.equal(202);
    const qboSync = workflowIds.sync(quickbooks, 'customers');
    const jobberSync = workflowIds.sync(jobber, 'customers');
    await settled(qboSync, 'COMPLETED');

    const all = await listed('', (data) => data.some((s) => s.workflowId === qboSync && s.status === 'COMPLETED'));
    expect(all.find((s) => s.workflowId === jobberSync)).to.include({
      status: 'COMPLETED',
      connectionId: jobber,
      resource: 'customers',
    });
    const onlyJobber = await listed('?vendor=jobber', (data) => data.some((s) => s.workflowId === jobberSync));
    expect(onlyJobber.map((s) => s.workflowId)).not.to.include(qboSync);
    const onlyQuickbooks = await listed('?vendor=quickbooks&status=Completed', (data) =>
      data.some((s) => s.workflowId === qboSync),
    );
    expect(onlyQuickbooks.every((s) => s.vendor === 'quickbooks' && s.status === 'COMPLETED')).to.equal(true);
    const mine = await listed(`?connectionId=${quickbooks}`, (data) => data.some((s) => s.workflowId === qboSync));
    expect(mine.every((s) => s.connectionId === quickbooks)).to.equal(true);
    const running = await listed('?status=Running&vendor=quickbooks', () => true);
    expect(running.map((s) => s.workflowId)).not.to.include(qboSync);
    expect(await listed('?limit=1', () => true)).to.have.length(1);
  });

  it('joins the running sync of the same connection and resource instead of starting a second', async () => {
    const body = { vendor: 'jobber', resource: 'invoices', mode: 'full' };
    const [first, second] = await Promise.all([post('', body), post('', body)]);
    const third = await post('', { ...body, connectionId: jobber });
    for (const reply of [first, second, third]) expect(reply.status, reply.text).to.equal(202);
    expect(second.body).to.include({ workflowId: first.body.workflowId, runId: first.body.runId });
    expect(third.body).to.include({ workflowId: first.body.workflowId, runId: first.body.runId });
    const sync = await settled(first.body.workflowId as string, 'COMPLETED');
    const started = (sync.steps as Json[]).filter((step) => step.step === 'started');
    expect(started, 'one sync, begun once').to.have.length(1);
  });

  it('starts one sync per resource of the vendor when no resource is named', async () => {
    const reply = await post('', { vendor: 'jobber', mode: 'incremental' });
    expect(reply.status, reply.text).to.equal(202);
    const syncs = reply.body.syncs as Json[];
    expect(syncs.map((s) => s.resource)).to.deep.equal([...SYNC_CATALOG.jobber]);
    expect(syncs.map((s) => s.workflowId)).to.deep.equal(SYNC_CATALOG.jobber.map((r) => workflowIds.sync(jobber, r)));
    expect(reply.body).to.include({ workflowId: syncs[0]!.workflowId, runId: syncs[0]!.runId });
    for (const sync of syncs) await settled(sync.workflowId as string, 'COMPLETED');
    const em = getHarness().orm.em.fork();
    expect(await em.count(Job, {})).to.equal(fixture.running.sandbox.world.jobs.length);
    expect(await em.count(Quote, {})).to.equal(fixture.running.sandbox.world.quotes.length);
  });

  it('cancels a running sync, refuses to cancel it twice, and reruns it in full across several runs', async () => {
    const workflowId = workflowIds.sync(jobber, 'jobs');
    const started = await post('', { vendor: 'jobber', resource: 'jobs', mode: 'full' });
    expect(started.status, started.text).to.equal(202);
    await until('a first page of jobs', async () => {
      const reply = await get(`/${workflowId}`);
      return reply.body.status === 'RUNNING' && reply.body.counts.pages > 0 ? reply.body : undefined;
    });
    expectError(await post(`/${workflowId}/rerun`), 409, 'sync_running');

    const cancel = await post(`/${workflowId}/cancel`);
    expect(cancel.status, cancel.text).to.equal(202);
    expect(cancel.body).to.deep.equal({ workflowId, status: 'CANCEL_REQUESTED' });
    // The SDK spells the status CANCELLED; visibility queries spell it Canceled.
    const canceled = await settled(workflowId, 'CANCELLED', 30_000);
    await listed('?status=Canceled&vendor=jobber', (data) => data.some((s) => s.runId === started.body.runId));
    expect(canceled.counts.fetched).to.be.below(fixture.running.sandbox.world.jobs.length);
    expect((canceled.steps as Json[]).map((step) => step.step)).to.include('cancelled');
    expectError(await post(`/${workflowId}/cancel`), 409, 'sync_not_running');

    const rerun = await post(`/${workflowId}/rerun`);
    expect(rerun.status, rerun.text).to.equal(202);
    expect(rerun.body.workflowId).to.equal(workflowId);
    expect(rerun.body.runId).not.to.equal(started.body.runId);
    const done = await settled(workflowId, 'COMPLETED');
    // 145 pages span two runs of the workflow: the counts are the whole sync's, not its last run's.
    const jobs = fixture.running.sandbox.world.jobs.length;
    expect(done.counts).to.include({ fetched: jobs, pages: Math.ceil(jobs / 2) });
    const completed = (done.steps as Json[]).find((step) => step.step === 'completed')!;
    expect(completed.operation).to.equal('sync_full');
    expect(completed.metadata.fetched).to.equal(jobs);
  });

  it('fails a sync whose authorization was revoked; reruns it only once the connection is authorized again', async () => {
    const simulator = fixture.running.simulators.get('jobber')!;
    simulator.authFault!('refresh_token_revoked');
    simulator.authFault!('token_expiry_now');
    const workflowId = workflowIds.sync(jobber, 'quotes');
    const started = await post('', { vendor: 'jobber', resource: 'quotes', mode: 'full' });
    expect(started.status, started.text).to.equal(202);
    const failed = await settled(workflowId, 'FAILED');
    const failure = (failed.steps as Json[]).find((step) => step.step === 'failed')!;
    expect(failure.status).to.equal('failed');
    expect(failure.errorMessage).to.be.a('string').and.not.equal('');

    // Until someone authorizes the connection again, every further attempt would fail the same way.
    expectError(await post('', { vendor: 'jobber', resource: 'quotes', mode: 'full' }), 409, 'connection_needs_reauth');
    expectError(await post(`/${workflowId}/rerun`), 409, 'connection_needs_reauth');
    expect((await get(`/${workflowId}`)).body.runId).to.equal(started.body.runId);

    // What an admin's new OAuth grant leaves behind: fresh tokens, and the connection connected again.
    simulator.reset!();
    const info = simulator.info() as Record<string, string>;
    const em = getHarness().orm.em.fork();
    const connection = await em.findOneOrFail(VendorConnection, { id: jobber });
    connection.credentialsEncrypted = createCredentialsCipher(getHarness().config.credentialsKey).encrypt({
      accessToken: info.accessToken!,
      refreshToken: info.refreshToken!,
      oauth: { clientId: info.clientId!, clientSecret: info.clientSecret!, tokenUrl: info.tokenUrl! },
      endpoints: { graphqlUrl: info.graphqlUrl! },
    });
    connection.status = 'connected';
    await em.flush();

    const rerun = await post(`/${workflowId}/rerun`);
    expect(rerun.status, rerun.text).to.equal(202);
    expect(rerun.body.runId).not.to.equal(started.body.runId);
    const done = await settled(workflowId, 'COMPLETED');
    expect(done.runId).to.equal(rerun.body.runId);
    expect(done.counts.fetched).to.equal(fixture.running.sandbox.world.quotes.length);
  });
});
