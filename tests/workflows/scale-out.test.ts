import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { expect } from 'chai';
import { signAccessToken } from '../../api/auth/tokens.js';
import { SyncLog } from '../../db/entities/index.js';
import { publishEvent } from '../../db/event-channel.js';
import { call, createTestUser } from '../support/api.js';
import { spawnApiProcess, type ApiProcess } from '../support/api-process.js';
import { getHarness } from '../support/harness.js';
import { closeCheckingCatalogue, connectRecordingSocket, type RecordingSocket } from '../support/sockets.js';
import { slowDownJobber, startInterruptibleJobberFixture, type SyncFixture } from '../support/sync-fixture.js';
import { spawnWorkerProcess, until } from '../support/worker-process.js';

describe('two API instances and two workers on one PostgreSQL, Redis and Temporal', function () {
  this.timeout(300_000);
  let fixture: SyncFixture;
  let apis: ApiProcess[] = [];
  const workers: ChildProcess[] = [];
  const sockets: RecordingSocket[] = [];

  const sql = <T extends Record<string, unknown>>(query: string, params: unknown[] = []) =>
    getHarness().orm.em.getConnection().execute<T[]>(query, params);

  const tokenFor = (userId: string, role: 'admin' | 'viewer') =>
    signAccessToken(getHarness().config, { userId, role, sessionId: randomUUID() }).token;

  const connect = async (api: ApiProcess, token: string) => {
    const socket = await connectRecordingSocket(api.base, token);
    sockets.push(socket);
    return socket;
  };

  /** The exit of a child, with its code, as a promise (resolved at once if it already exited). */
  const exitOf = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
      : new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );

  /** Where a sync stands, for a failure message: its status, pending activities and last history events. */
  async function workflowState(workflowId: string): Promise<string> {
    const handle = getHarness().temporalClient.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const last = (history.events ?? []).slice(-12).map((event) => event.eventType);
    return JSON.stringify({
      status: description.status.name,
      pending: description.raw.pendingActivities?.map((activity) => ({
        type: activity.activityType?.name,
        state: activity.state,
        attempt: activity.attempt,
        lastFailure: activity.lastFailure?.message,
        worker: activity.lastWorkerIdentity,
      })),
      last,
    });
  }

  before(async () => {
    // Slowed down so the SIGTERM lands mid-sync.
    fixture = await startInterruptibleJobberFixture();
    await slowDownJobber(fixture);
    // No grace time: the SIGTERM'd worker hands its running activity back at once instead of finishing the sync
    // itself (which, with a few pages left, it would do within the default 10 s).
    const noGrace = { WORKER_SHUTDOWN_GRACE_SECONDS: '0' };
    workers.push(spawnWorkerProcess(fixture.taskQueue, noGrace), spawnWorkerProcess(fixture.taskQueue, noGrace));
    apis = await Promise.all([spawnApiProcess(fixture.taskQueue), spawnApiProcess(fixture.taskQueue)]);
  });

  afterEach(() => closeCheckingCatalogue(sockets));

  after(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await fixture?.close();
  });

  it('shares rate limits: five login attempts a minute per IP, counted across both instances', async () => {
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const user = await createTestUser('viewer');
    const attempt = (api: ApiProcess) =>
      call(api.base, '/api/auth/login', { json: { email: user.email, password: 'wrong password' } });
    for (const api of [a, b, a, b, a]) expect((await attempt(api)).status).to.equal(401);
    for (const api of [b, a]) {
      const refused = await attempt(api);
      expect(refused.status, refused.text).to.equal(429);
      expect(refused.body.error.code).to.equal('rate_limited');
    }
  });

  it('delivers a sync to sockets on both instances, keeps admin-only events from viewers, and survives a SIGTERM of the worker running it', async () => {
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const [admin, viewer] = [await createTestUser('admin'), await createTestUser('viewer')];
    const adminToken = tokenFor(admin.id, 'admin');
    const viewerToken = tokenFor(viewer.id, 'viewer');
    const [adminOnA, adminOnB, viewerOnA, viewerOnB] = [
      await connect(a, adminToken),
      await connect(b, adminToken),
      await connect(a, viewerToken),
      await connect(b, viewerToken),
    ];
    const expectedJobs = fixture.running.sandbox.world.jobs.filter((job) => !job.deletedAt).length;
    const pages = Math.ceil(expectedJobs / 100);

    const started = await call(b.base, '/api/syncs', {
      token: adminToken,
      json: { vendor: 'jobber', resource: 'jobs', mode: 'full' },
    });
    expect(started.status, started.text).to.equal(202);
    const workflowId = started.body.workflowId as string;
    const ofThisSync = (payload: Record<string, unknown>) => payload.workflowId === workflowId;
    for (const socket of [adminOnA, adminOnB]) expect((await socket.subscribe({ sync: workflowId })).ok).to.equal(true);

    // Both subscribers, one per instance, see the same pages arrive.
    for (const socket of [adminOnA, adminOnB]) {
      await socket.waitFor('sync.progress', (p) => ofThisSync(p) && Number(p.page) >= 3, 60_000);
    }

    // SIGTERM the worker that holds the sync's activity right now.
    const handle = getHarness().temporalClient.workflow.getHandle(workflowId);
    let holder: ChildProcess | undefined;
    await until(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const identity = pending.map((activity) => activity.lastWorkerIdentity ?? '').find(Boolean);
      holder = workers.find((worker) => identity?.startsWith(`${worker.pid}@`));
      return holder !== undefined;
    }, 'a pending activity held by one of the two workers');
    const survivor = workers.find((worker) => worker !== holder)!;
    const storedBefore = await getHarness().orm.em.fork().count(SyncLog, { workflowId, step: 'page_stored' });
    const terminatedAt = Date.now();
    holder!.kill('SIGTERM');
    expect(await exitOf(holder!), 'a graceful exit').to.deep.equal({ code: 0, signal: null });
    expect(storedBefore).to.be.lessThan(pages);

    // The survivor finishes it: every socket that may see syncs hears of the completion, on both instances.
    for (const socket of [adminOnA, adminOnB, viewerOnA, viewerOnB]) {
      const completed = await socket.waitFor('sync.completed', ofThisSync, 180_000).catch(async (error: Error) => {
        throw new Error(`${error.message}\nworkflow: ${await workflowState(workflowId)}`);
      });
      expect(completed.payload).to.include({ fetched: expectedJobs });
    }
    const history = await handle.fetchHistory();
    const startedBy = (history.events ?? [])
      .filter((event) => event.activityTaskStartedEventAttributes)
      .map((event) => ({
        identity: event.activityTaskStartedEventAttributes!.identity ?? '',
        at: Number(event.eventTime?.seconds ?? 0) * 1000,
      }));
    const survivorStarts = startedBy.filter((start) => start.identity.startsWith(`${survivor.pid}@`));
    expect(
      survivorStarts.some((start) => start.at >= terminatedAt - 1000),
      'the survivor ran the rest',
    ).to.equal(true);
    expect(survivor.exitCode, 'the survivor is still running').to.equal(null);
    // Handed back, not timed out: the retry came at once, with the shutdown as the attempt's failure.
    const retried = (history.events ?? [])
      .map((event) => event.activityTaskStartedEventAttributes)
      .filter((attributes) => attributes && (attributes.attempt ?? 1) > 1);
    expect(retried.map((attributes) => attributes!.lastFailure?.applicationFailureInfo?.type)).to.deep.equal([
      'WorkerShutdown',
    ]);
    expect((history.events ?? []).filter((event) => event.activityTaskTimedOutEventAttributes)).to.have.length(0);

    // Nothing lost and nothing twice: every job stored once, every page logged once.
    const [live] = await sql<{ count: string }>(`select count(*) as count from jobs where deleted_at is null`);
    expect(Number(live?.count)).to.equal(expectedJobs);
    expect(await sql(`select external_id from jobs group by vendor, external_id having count(*) > 1`)).to.have.length(
      0,
    );
    const storedPages = await getHarness().orm.em.fork().count(SyncLog, { workflowId, step: 'page_stored' });
    expect(storedPages, 'every page stored once').to.equal(pages);

    // An admin-only event raised on instance A reaches the admin on B through the adapter, and no viewer.
    const forged = await call(a.base, '/api/webhooks/jobber', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jobber-hmac-sha256': 'forged' },
      body: JSON.stringify({ data: { webHookEvent: { topic: 'JOB_UPDATE' } } }),
    });
    expect(forged.status, forged.text).to.equal(401);
    for (const socket of [adminOnA, adminOnB]) {
      await socket.waitFor('alert.created', (p) => p.type === 'webhook_signature_invalid');
    }
    // A marker published after the alert: once a viewer has it, the alert would have arrived before it.
    const marker = randomUUID();
    await publishEvent(getHarness().redis, 'dashboard.invalidated', { scope: 'marker', id: marker, generation: 0 });
    for (const socket of [viewerOnA, viewerOnB]) await socket.waitFor('dashboard.invalidated', (p) => p.id === marker);
    for (const socket of [viewerOnA, viewerOnB]) {
      expect(
        socket.seen('alert.created', (p) => p.kind === 'security'),
        'admin-only',
      ).to.have.length(0);
      expect(socket.seen('sync.progress'), 'not subscribed').to.have.length(0);
    }
    // Each socket got each event once, though two instances relay every event.
    for (const socket of [adminOnA, adminOnB, viewerOnA, viewerOnB]) {
      expect(socket.seen('sync.completed', ofThisSync)).to.have.length(1);
    }
  });

  it('SIGTERM of an API instance finishes the request in flight, closes its sockets and exits 0, while the other instance serves on', async () => {
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const admin = await createTestUser('admin');
    const token = tokenFor(admin.id, 'admin');
    const [onA, onB] = [await connect(a, token), await connect(b, token)];
    const closed = new Promise<string>((resolve) => onA.socket.once('disconnect', resolve));

    // A client write whose body is still arriving when the SIGTERM comes: it is in flight, so it must be finished.
    const name = `Drained ${randomUUID()}`;
    const body = JSON.stringify({ name });
    const inFlight = request(`${a.base}/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
    });
    const answered = new Promise<number>((resolve, reject) => {
      inFlight.once('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      inFlight.once('error', reject);
    });
    await new Promise<void>((resolve) => inFlight.write(body.slice(0, 5), () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = a.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    inFlight.end(body.slice(5));
    expect(await answered, 'the in-flight request was answered').to.equal(201);
    expect(await stopped, 'exit code').to.equal(0);
    const [row] = await sql<{ count: string }>('select count(*) as count from clients where name = ?', [name]);
    expect(Number(row?.count), 'its write committed').to.equal(1);
    expect(await closed).to.be.oneOf(['io server disconnect', 'transport close']);
    expect(
      await fetch(`${a.base}/healthz`).then(
        () => 'answered',
        () => 'refused',
      ),
    ).to.equal('refused');

    const marker = randomUUID();
    await publishEvent(getHarness().redis, 'dashboard.invalidated', { scope: 'marker', id: marker, generation: 0 });
    await onB.waitFor('dashboard.invalidated', (p) => p.id === marker);
    expect((await fetch(`${b.base}/healthz`)).status).to.equal(200);
  });
});
