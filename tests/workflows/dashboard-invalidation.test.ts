import { expect } from 'chai';
import { Redis } from 'ioredis';
import { DASHBOARD_GENERATION_KEY, EVENTS_CHANNEL } from '../../db/dashboard-generation.js';
import { Client, SyncLog } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createTestUser, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

describe('syncs invalidate the dashboard cache (real Temporal, PostgreSQL and Redis; Jobber from the sandbox)', function () {
  this.timeout(180_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let admin: string;
  let subscriber: Redis;
  const events: Json[] = [];

  /** The `dashboard.invalidated` events of a sync received since `from` (an index into `events`). */
  const invalidations = (workflowId: string, from: number) =>
    events.slice(from).filter((event) => event.event === 'dashboard.invalidated' && event.payload.id === workflowId);

  const summary = async () => {
    const reply = await api.call('/api/dashboard/summary', { token: admin });
    expect(reply.status, reply.text).to.equal(200);
    return { cache: reply.headers.get('x-cache'), body: reply.body };
  };

  before(async () => {
    fixture = await startSyncFixture({ factories: [createJobberSimulator], vendors: ['jobber'], pageSize: 7 });
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    subscriber = new Redis(getHarness().redisUrl);
    subscriber.on('message', (_channel: string, message: string) => events.push(JSON.parse(message) as Json));
    await subscriber.subscribe(EVENTS_CHANNEL);
  });

  after(async () => {
    subscriber?.disconnect();
    await api?.close();
    await fixture?.close();
  });

  it('a sync that stores records invalidates once per page batch and once on completion, and announces it', async () => {
    const cold = await summary();
    expect((await summary()).cache).to.equal('hit');
    const generationBefore = Number((await getHarness().redis.get(DASHBOARD_GENERATION_KEY)) ?? 0);
    const from = events.length;

    const { workflowId, result } = await fixture.sync('jobber', 'customers', 'full');
    expect(result.totals.inserted).to.be.above(0);
    const pages = await getHarness().orm.em.fork().count(SyncLog, { workflowId, step: 'page_stored' });
    expect(pages).to.be.above(2);

    const announced = await eventually(
      async () => invalidations(workflowId, from),
      (list) => list.length >= 2,
    );
    // One batch of pages (the worker stores up to 20 per call) and the completion: far fewer than one per page.
    expect(announced).to.have.length(2);
    expect(announced[0]!.payload.scope).to.equal('sync');
    expect(announced.at(-1)!.payload.generation).to.equal(generationBefore + 2);

    const fresh = await summary();
    expect(fresh.cache).to.equal('miss');
    const stored = await getHarness().orm.em.fork().count(Client, { deletedAt: null });
    expect(fresh.body.activeClients - cold.body.activeClients).to.equal(stored);
    expect(stored).to.be.above(0);
    const health = (fresh.body.syncHealth as Json[]).find((row) => row.connectionId === fixture.connections.jobber!.id);
    expect(health).to.deep.include({ vendor: 'jobber', status: 'connected', healthy: true, lastFailure: null });
    expect(health!.lastSuccessAt).to.be.a('string');
  });

  it('a sync that changes nothing leaves the cache alone', async () => {
    expect((await summary()).cache).to.equal('hit');
    const from = events.length;
    const { workflowId, result } = await fixture.sync('jobber', 'customers', 'incremental');
    expect(result.totals.fetched).to.equal(0);
    const completed = await getHarness().orm.em.fork().count(SyncLog, { workflowId, step: 'completed' });
    expect(completed).to.be.at.least(1);
    // Give a stray publish time to arrive before concluding there was none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(invalidations(workflowId, from)).to.deep.equal([]);
    expect((await summary()).cache).to.equal('hit');
  });
});
