import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { invalidateDashboard } from '../../db/dashboard-generation.js';
import {
  createTestUser,
  expectError,
  login,
  startTestApi,
  type Json,
  type Reply,
  type TestApi,
} from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { cents, createRowTracker, sql, utcDayOffset } from './dashboard-rows.js';

describe('/api/dashboard (real PostgreSQL and Redis)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let admin: string;
  let user: string;
  let viewer: string;
  const tag = `dash-${randomUUID().slice(0, 8)}`;
  const rows = createRowTracker();
  const insert = rows.insert;

  const get = (path: string, token: string) => api.call(`/api/dashboard${path}`, { token });

  async function freshSummary(token: string): Promise<Json> {
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    const reply = await get('/summary', token);
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.headers.get('x-cache')).to.equal('miss');
    return reply.body;
  }

  before(async () => {
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
  });

  after(async () => {
    await rows.removeAll();
    await api?.close();
  });

  describe('GET /summary', () => {
    it('counts exactly the rows added: clients, jobs by status, unread messages, revenue and receivables', async () => {
      const before = await freshSummary(admin);
      const today = utcDayOffset(0);
      const yesterday = utcDayOffset(-1);
      const tomorrow = utcDayOffset(1);
      const januaryFirst = `${today.slice(0, 4)}-01-01`;
      const lastYear = `${Number(today.slice(0, 4)) - 1}-12-31`;

      const clientId = await insert('clients', { name: `${tag} active 1` });
      await insert('clients', { name: `${tag} active 2` });
      await insert('clients', { name: `${tag} gone`, deleted_at: new Date() });
      for (const [status, deleted] of [
        ['a', false],
        ['a', false],
        ['b', false],
        ['a', true],
      ] as const) {
        await insert('jobs', {
          title: `${tag} job`,
          status: `${tag}-${status}`,
          client_id: clientId,
          deleted_at: deleted ? new Date() : null,
        });
      }
      const message = (direction: string, readAt: Date | null) => ({
        channel: 'sms',
        direction,
        status: direction === 'inbound' ? 'received' : 'sent',
        body: `${tag} message`,
        read_at: readAt,
      });
      await insert('messages', message('inbound', null));
      await insert('messages', message('inbound', null));
      await insert('messages', message('inbound', new Date()));
      await insert('messages', message('outbound', null));

      let external = 0;
      const payment = (amount: string, paidOn: string, extra: Record<string, unknown> = {}) =>
        insert('payments', {
          vendor: 'quickbooks',
          external_id: `${tag}-p${(external += 1)}`,
          status: 'received',
          amount,
          paid_on: paidOn,
          ...extra,
        });
      await payment('100.10', today);
      await payment('0.05', today);
      await payment('40.00', januaryFirst);
      await payment('999.99', lastYear);
      await payment('500.00', today, { deleted_at: new Date() });
      await payment('300.00', today, { status: 'voided' });
      const invoice = (status: string, balance: string, dueOn: string | null, extra: Record<string, unknown> = {}) =>
        insert('invoices', {
          vendor: 'quickbooks',
          external_id: `${tag}-i${(external += 1)}`,
          status,
          total: '100.00',
          balance,
          due_on: dueOn,
          ...extra,
        });
      await invoice('open', '50.25', tomorrow);
      await invoice('awaiting_payment', '75.50', yesterday);
      await invoice('paid', '0.00', yesterday);
      await invoice('draft', '20.00', yesterday);
      await invoice('open', '30.00', yesterday, { deleted_at: new Date() });
      await invoice('past_due', '10.00', null);

      const after = await freshSummary(admin);
      expect(after.activeClients - before.activeClients).to.equal(2);
      const statuses = (after.jobsByStatus as Json[]).filter((row) => String(row.status).startsWith(tag));
      expect(statuses).to.deep.equal([
        { status: `${tag}-a`, count: 2 },
        { status: `${tag}-b`, count: 1 },
      ]);
      expect(after.unreadMessages - before.unreadMessages).to.equal(2);

      const januaryCounts = today.slice(5, 7) === '01';
      expect(cents(after.revenue.month) - cents(before.revenue.month)).to.equal(januaryCounts ? 14015n : 10015n);
      expect(cents(after.revenue.year) - cents(before.revenue.year)).to.equal(14015n);
      expect(after.revenue.month).to.match(/^\d+\.\d{2}$/);

      expect(after.receivables.count - before.receivables.count).to.equal(3);
      expect(cents(after.receivables.balance) - cents(before.receivables.balance)).to.equal(13575n);
      expect(after.receivables.overdue.count - before.receivables.overdue.count).to.equal(1);
      expect(cents(after.receivables.overdue.balance) - cents(before.receivables.overdue.balance)).to.equal(7550n);
    });

    it('shows sync health per connection: status, re-authorization, last success and last failure', async () => {
      const lastSuccess = new Date(Date.now() - 60_000);
      const healthy = await insert('vendor_connections', {
        vendor: 'jobber',
        external_account_id: `${tag}-healthy`,
        status: 'connected',
        last_synced_at: lastSuccess,
      });
      const revoked = await insert('vendor_connections', {
        vendor: 'quickbooks',
        external_account_id: `${tag}-revoked`,
        status: 'needs_reauth',
      });
      const failure = (connectionId: string, at: Date, error: string) =>
        insert('sync_log', {
          service: 'jobber',
          operation: 'sync_full',
          step: 'failed',
          status: 'failed',
          resource_type: 'customers',
          connection_id: connectionId,
          error_message: error,
          created_at: at,
        });
      await failure(healthy, new Date(Date.now() - 3_600_000), 'an hour ago, fixed since');
      await failure(revoked, new Date(Date.now() - 120_000), 'grant revoked');

      const summary = await freshSummary(viewer);
      const byId = new Map((summary.syncHealth as Json[]).map((row) => [row.connectionId, row]));
      expect(byId.get(healthy)).to.deep.include({
        vendor: 'jobber',
        status: 'connected',
        needsReauth: false,
        lastSuccessAt: lastSuccess.toISOString(),
        healthy: true,
      });
      expect(byId.get(healthy)!.lastFailure).to.include({ resource: 'customers', error: 'an hour ago, fixed since' });
      expect(byId.get(revoked)).to.deep.include({ vendor: 'quickbooks', needsReauth: true, healthy: false });
      expect(byId.get(revoked)!.lastSuccessAt).to.equal(null);
      expect(byId.get(revoked)!.lastFailure.error).to.equal('grant revoked');
    });

    it('leaves money out for roles without finances:read, under a cache entry of their own', async () => {
      await invalidateDashboard(getHarness().redis, { scope: 'test' });
      const viewerFirst = await get('/summary', viewer);
      expect(viewerFirst.headers.get('x-cache')).to.equal('miss');
      expect(viewerFirst.body.revenue).to.equal(null);
      expect(viewerFirst.body.receivables).to.equal(null);

      // The viewers' entry must not answer an admin: the admin's first read computes the finance entry.
      const adminFirst = await get('/summary', admin);
      expect(adminFirst.headers.get('x-cache')).to.equal('miss');
      expect(adminFirst.body.revenue.year).to.be.a('string');
      expect(adminFirst.body.receivables.balance).to.be.a('string');

      const userReply = await get('/summary', user);
      expect(userReply.headers.get('x-cache')).to.equal('hit');
      expect(userReply.text).to.equal(viewerFirst.text);
      // Apart from money (and the moment each was computed), both entries say the same.
      const withoutMoney = (body: Json) => ({ ...body, revenue: null, receivables: null, asOf: null });
      expect(withoutMoney(adminFirst.body)).to.deep.equal(withoutMoney(viewerFirst.body));
    });

    it('answers from the cache until invalidateDashboard, then computes again', async () => {
      await invalidateDashboard(getHarness().redis, { scope: 'test' });
      const first = await get('/summary', admin);
      const second = await get('/summary', admin);
      expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).to.deep.equal(['miss', 'hit']);
      expect(second.text).to.equal(first.text);

      const lateClient = await insert('clients', { name: `${tag} after cache` });
      const stale = await get('/summary', admin);
      expect(stale.headers.get('x-cache')).to.equal('hit');
      expect(stale.body.activeClients).to.equal(first.body.activeClients);

      await invalidateDashboard(getHarness().redis, { scope: 'clients', id: lateClient });
      const fresh = await get('/summary', admin);
      expect(fresh.headers.get('x-cache')).to.equal('miss');
      expect(fresh.body.activeClients).to.equal(first.body.activeClients + 1);
      expect((await get('/summary', admin)).headers.get('x-cache')).to.equal('hit');
    });

    it('computes a cold summary once for concurrent requests, across two API instances', async () => {
      const other = await startTestApi();
      const harness = getHarness();
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const countingClients = async () => {
        const [row] = await sql<{ count: number }[]>(
          `select count(*)::int as count from pg_stat_activity
            where pid <> pg_backend_pid() and state = 'active'
              and query like '%from clients where deleted_at is null%' and query not like '%pg_stat_activity%'`,
        );
        return row!.count;
      };
      try {
        await invalidateDashboard(harness.redis, { scope: 'test' });
        let pending: Promise<Reply[]> | undefined;
        // A lock on clients holds the first computation at its clients count, so every request arrives while the
        // answer is still being computed; pg_stat_activity then shows how many computations started.
        await harness.orm.em.fork().transactional(async (tx) => {
          await tx.execute('lock table clients in access exclusive mode');
          pending = Promise.all(
            Array.from({ length: 12 }, (_, index) =>
              (index % 2 ? other : api).call('/api/dashboard/summary', { token: admin }),
            ),
          );
          const deadline = Date.now() + 5_000;
          while ((await countingClients()) === 0 && Date.now() < deadline) await sleep(20);
          await sleep(500);
          expect(await countingClients()).to.equal(1);
        });
        const replies = await pending!;
        for (const reply of replies) expect(reply.status, reply.text).to.equal(200);
        expect(new Set(replies.map((reply) => reply.text)).size).to.equal(1);
        // One instance computed (its concurrent requests shared that computation); the other waited for its entry.
        const byInstance = [0, 1].map((parity) => replies.filter((_, index) => index % 2 === parity));
        const caches = byInstance.map((list) => [...new Set(list.map((reply) => reply.headers.get('x-cache')))]);
        expect(caches.map((values) => values.join()).sort()).to.deep.equal(['hit', 'miss']);
      } finally {
        await other.close();
      }
    });

    it('refuses unknown query parameters with the field path', async () => {
      const reply = await get('/summary?period=month', admin);
      expectError(reply, 400, 'validation_failed');
      expect(reply.body.error.details).to.deep.equal([
        { location: 'query', path: '/period', message: 'is not allowed' },
      ]);
    });
  });

  describe('GET /activity', () => {
    /** Feed rows dated in 2099 so they are the newest of the shared database, microseconds apart. */
    const at = (micros: number) => `2099-06-01T12:00:00.00000${micros}Z`;
    let expectedIds: string[];
    let ids: Record<string, string>;

    before(async () => {
      const connection = await insert('vendor_connections', {
        vendor: 'jobber',
        external_account_id: `${tag}-feed`,
        status: 'connected',
      });
      const workflowId = `sync:${connection}:customers`;
      const clientId = await insert('clients', { name: `${tag} feed client` });
      const syncRow = (step: string, when: string, extra: Record<string, unknown>) =>
        insert('sync_log', {
          service: 'jobber',
          operation: 'sync_full',
          step,
          status: step === 'completed' ? 'succeeded' : 'failed',
          resource_type: 'customers',
          connection_id: connection,
          workflow_id: workflowId,
          created_at: when,
          ...extra,
        });
      // Rows that are not outcomes stay out of the feed.
      await syncRow('page_stored', at(6), { metadata: { fetched: 9 } });
      const completed = await syncRow('completed', at(1), {
        metadata: { fetched: 5, inserted: 2, updated: 1, deleted: 0 },
      });
      const inbound = await insert('messages', {
        channel: 'sms',
        direction: 'inbound',
        status: 'received',
        from_address: '+15125550199',
        body: `${tag} can you come earlier?`,
        client_id: clientId,
        created_at: at(2),
      });
      const created = await insert('jobs', {
        title: `${tag} new job`,
        status: 'upcoming',
        client_id: clientId,
        created_at: at(3),
        updated_at: at(3),
      });
      const note = await insert('job_notes', { job_id: created, body: `${tag} gate code 1234`, created_at: at(4) });
      // Two items at the very same instant: the id breaks the tie, the same way on every page.
      const tiedIds = [randomUUID(), randomUUID()].sort().reverse();
      const updated = await insert('jobs', {
        id: tiedIds[0],
        title: `${tag} old job`,
        status: 'late',
        created_at: '2099-05-01T00:00:00Z',
        updated_at: at(5),
      });
      const failed = await syncRow('failed', at(5), { id: tiedIds[1], error_message: 'Jobber answered 503' });
      ids = { completed, inbound, created, note, updated, failed, workflowId, clientId };
      expectedIds = [
        `job:${updated}`,
        `sync:${failed}`,
        `job_note:${note}`,
        `job:${created}`,
        `message:${inbound}`,
        `sync:${completed}`,
      ];
    });

    it('merges syncs, messages and job changes newest first, each with a title, detail and links', async () => {
      const reply = await get('/activity?limit=6', viewer);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body.data.map((item: Json) => item.id)).to.deep.equal(expectedIds);
      const [updated, failed, note, created, inbound, completed] = reply.body.data as Json[];
      expect(updated).to.deep.equal({
        id: `job:${ids.updated}`,
        type: 'job',
        event: 'updated',
        at: '2099-06-01T12:00:00.000Z',
        title: `Job "${tag} old job" updated`,
        detail: 'Status: late',
        links: { jobId: ids.updated },
      });
      expect(failed).to.deep.include({ type: 'sync', event: 'failed', detail: 'Jobber answered 503' });
      expect(failed!.links).to.deep.equal({ workflowId: ids.workflowId });
      expect(note).to.deep.include({ type: 'job', event: 'note', title: `Note on job "${tag} new job"` });
      expect(note!.links).to.deep.equal({ jobId: ids.created, clientId: ids.clientId });
      expect(created).to.deep.include({ event: 'created', title: `Job "${tag} new job" created` });
      expect(inbound).to.deep.include({
        type: 'message',
        event: 'inbound',
        title: 'SMS received from +15125550199',
        detail: `${tag} can you come earlier?`,
      });
      expect(inbound!.links).to.deep.equal({ clientId: ids.clientId });
      expect(completed).to.deep.include({
        title: 'jobber customers sync completed',
        detail: '5 fetched, 2 inserted, 1 updated, 0 deleted',
      });
      expect(reply.body.page.limit).to.equal(6);
    });

    it('pages with a keyset cursor that keeps microsecond order and ties', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 3; page += 1) {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const reply = await get(`/activity?limit=2${query}`, viewer);
        expect(reply.status, reply.text).to.equal(200);
        expect(reply.body.data).to.have.length(2);
        seen.push(...reply.body.data.map((item: Json) => item.id as string));
        cursor = reply.body.page.nextCursor as string | null;
        expect(cursor).to.be.a('string');
      }
      expect(seen).to.deep.equal(expectedIds);
    });

    it('filters by type, one or several', async () => {
      const messages = await get('/activity?type=message&limit=1', viewer);
      expect(messages.body.data.map((item: Json) => item.id)).to.deep.equal([`message:${ids.inbound}`]);
      const syncsAndJobs = await get('/activity?type=sync&type=job&limit=5', viewer);
      expect(syncsAndJobs.body.data.map((item: Json) => item.id)).to.deep.equal(
        expectedIds.filter((id) => !id.startsWith('message:')),
      );
      const jobsOnly = await get('/activity?type=job&limit=3', viewer);
      expect(jobsOnly.body.data.map((item: Json) => item.type)).to.deep.equal(['job', 'job', 'job']);
    });

    it('refuses bad input with the field path', async () => {
      const badType = await get('/activity?type=sync&type=invoice', viewer);
      expectError(badType, 400, 'validation_failed');
      expect(badType.body.error.details[0]).to.include({ location: 'query', path: '/type/1' });
      const badLimit = await get('/activity?limit=0', viewer);
      expectError(badLimit, 400, 'validation_failed');
      expect(badLimit.body.error.details[0]).to.include({ location: 'query', path: '/limit' });
      const forged = Buffer.from(JSON.stringify({ at: '2099-01-01T00:00:00Z', id: 'x' })).toString('base64url');
      const badCursor = await get(`/activity?cursor=${forged}`, viewer);
      expectError(badCursor, 400, 'validation_failed');
      expect(badCursor.body.error.details).to.deep.equal([
        { location: 'query', path: '/cursor', message: 'is not a cursor this API issued' },
      ]);
      const repeated = await get('/activity?type=job&type=job', viewer);
      expectError(repeated, 400, 'validation_failed');
      expect(repeated.body.error.details[0]).to.include({ path: '/type' });
    });
  });
});
