import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '../../api/auth/tokens.js';
import { REALTIME_EVENTS } from '../../api/realtime/catalogue.js';
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from '../../api/realtime/subscriptions.js';
import { publishEvent } from '../../db/event-channel.js';
import { createTestUser, login, startTestApi, type TestApi, type TestUser } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { parsePrometheus, valueOf, type Sample } from '../support/prometheus.js';
import { closeCheckingCatalogue, connectRecordingSocket, type RecordingSocket } from '../support/sockets.js';

describe('realtime events over socket.io (real Redis relay, rooms and adapter)', function () {
  this.timeout(60_000);
  let api: TestApi;
  const sockets: RecordingSocket[] = [];
  let admin: { user: TestUser; token: string };
  let member: { user: TestUser; token: string };
  let viewer: { user: TestUser; token: string };

  const signIn = async (role: TestUser['role']) => {
    const user = await createTestUser(role);
    return { user, token: (await login(api, user)).accessToken };
  };
  const connect = async (token: string) => {
    const socket = await connectRecordingSocket(api.base, token);
    sockets.push(socket);
    return socket;
  };
  /** What the worker does: publish on the Redis events channel. */
  const publish = (event: string, payload: Record<string, unknown>) => publishEvent(getHarness().redis, event, payload);

  /**
   * Events reach one socket in the order they were published, so once a marker published last has arrived, anything
   * published before it that was going to arrive has arrived.
   */
  async function settle(...targets: RecordingSocket[]): Promise<void> {
    const marker = randomUUID();
    await publish('dashboard.invalidated', { scope: 'marker', id: marker, generation: 0 });
    await Promise.all(targets.map((socket) => socket.waitFor('dashboard.invalidated', (p) => p.id === marker)));
  }

  before(async () => {
    api = await startTestApi();
    [admin, member, viewer] = [await signIn('admin'), await signIn('user'), await signIn('viewer')];
  });

  afterEach(() => closeCheckingCatalogue(sockets));

  after(async () => {
    await api?.close();
  });

  it('sends each event only to the roles allowed to see it', async () => {
    const [a, u, v] = [await connect(admin.token), await connect(member.token), await connect(viewer.token)];
    const connectionId = randomUUID();
    await publish('connection.checked', {
      connectionId,
      vendor: 'jobber',
      connectionStatus: 'connected',
      healthy: true,
    });
    await publish('alert.created', {
      kind: 'security',
      type: 'account_locked',
      severity: 'critical',
      title: 'locked',
      subject: null,
    });
    await publish('alert.created', { kind: 'sync', type: 'sync_failed', severity: 'warning', title: 'failed' });
    await publish('sync.completed', {
      workflowId: `sync:${connectionId}:jobs`,
      connectionId,
      resource: 'jobs',
      mode: 'full',
      inserted: 3,
    });
    await settle(a, u, v);

    expect(a.seen('connection.checked', (p) => p.connectionId === connectionId)).to.have.length(1);
    expect(a.seen('alert.created').map((e) => e.payload.kind)).to.deep.equal(['security', 'sync']);
    for (const socket of [u, v]) {
      expect(socket.seen('connection.checked'), 'admin-only').to.have.length(0);
      expect(socket.seen('alert.created').map((e) => e.payload.kind)).to.deep.equal(['sync']);
    }
    for (const socket of [a, u, v]) {
      const [completed] = socket.seen('sync.completed');
      expect(completed?.payload).to.include({ connectionId, inserted: 3 });
      expect(completed?.payload.at).to.be.a('string');
    }
  });

  it("sends sync.progress only to the sync's subscribers, and stops after unsubscribe", async () => {
    const [watching, idle] = [await connect(viewer.token), await connect(viewer.token)];
    const connectionId = randomUUID();
    const workflowId = `sync:${connectionId}:clients`;
    const progress = (page: number) =>
      publish('sync.progress', { workflowId, connectionId, resource: 'clients', mode: 'full', page, fetched: 100 });

    expect(await watching.subscribe({ sync: workflowId })).to.deep.equal({ ok: true, room: `sync:${workflowId}` });
    await progress(1);
    await settle(watching, idle);
    expect(watching.seen('sync.progress').map((e) => e.payload.page)).to.deep.equal([1]);
    expect(idle.seen('sync.progress')).to.have.length(0);

    expect(await watching.unsubscribe({ sync: workflowId })).to.deep.equal({ ok: true, room: `sync:${workflowId}` });
    await progress(2);
    await settle(watching);
    expect(watching.seen('sync.progress').map((e) => e.payload.page)).to.deep.equal([1]);
  });

  it("refuses malformed subscriptions with the API's error shape, and more than the per-socket limit", async () => {
    const socket = await connect(member.token);
    for (const request of [
      {},
      'sync:x',
      { sync: 'a', client: randomUUID() },
      { client: 'nope' },
      { sync: 'has space' },
    ]) {
      const ack = await socket.subscribe(request);
      expect(ack.ok, JSON.stringify(request)).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal('invalid_request');
    }
    for (let index = 0; index < MAX_SUBSCRIPTIONS_PER_SOCKET; index += 1) {
      expect((await socket.subscribe({ client: randomUUID() })).ok).to.equal(true);
    }
    const refused = await socket.subscribe({ client: randomUUID() });
    expect(refused).to.deep.include({ ok: false });
    if (!refused.ok) expect(refused.error.code).to.equal('too_many_subscriptions');
  });

  it('delivers no unknown event and no payload that breaks its schema, and counts both in /metrics', async () => {
    const socket = await connect(admin.token);
    const scrape = async () => parsePrometheus((await api.call('/metrics')).text);
    const before = await scrape();
    const relayed = (samples: Sample[], event: string, outcome: string) =>
      valueOf(samples, 'realtime_events_total', { event, path: 'relay', outcome });
    await publish('secrets.leaked', { password: 'x' });
    await publish('sync.completed', { resource: 'jobs' });
    await publish('alert.created', { kind: 'gossip', type: 'x', severity: 'info', title: 't' });
    await settle(socket);
    expect(socket.received.map((e) => e.event)).to.deep.equal(['dashboard.invalidated']);

    const after = await scrape();
    expect(relayed(after, 'unknown', 'dropped') - relayed(before, 'unknown', 'dropped')).to.equal(1);
    expect(relayed(after, 'sync.completed', 'dropped') - relayed(before, 'sync.completed', 'dropped')).to.equal(1);
    expect(relayed(after, 'alert.created', 'dropped') - relayed(before, 'alert.created', 'dropped')).to.equal(1);
    expect(
      relayed(after, 'dashboard.invalidated', 'delivered') - relayed(before, 'dashboard.invalidated', 'delivered'),
    ).to.equal(1);
    expect(valueOf(after, 'realtime_sockets')).to.be.at.least(1);
  });

  it("announces the API's client and job writes to the client's subscribers and the job's assignees", async () => {
    const [a, u, v] = [await connect(admin.token), await connect(member.token), await connect(viewer.token)];
    const created = await api.call('/api/clients', { token: admin.token, json: { name: `Realtime ${randomUUID()}` } });
    expect(created.status, created.text).to.equal(201);
    const clientId = created.body.id as string;
    expect(await v.subscribe({ client: clientId })).to.deep.include({ ok: true });

    const renamed = await api.call(`/api/clients/${clientId}`, {
      token: admin.token,
      method: 'PUT',
      json: { name: 'Renamed', version: 1 },
    });
    expect(renamed.status, renamed.text).to.equal(200);
    const update = await v.waitFor('client.updated', (p) => p.id === clientId);
    expect(update.payload).to.include({ change: 'updated', clientId, version: 2 });

    const job = await api.call('/api/jobs', {
      token: admin.token,
      json: { title: 'Fix the porch', clientId, assignedTo: [member.user.id] },
    });
    expect(job.status, job.text).to.equal(201);
    const jobId = job.body.id as string;
    for (const socket of [u, v]) {
      const event = await socket.waitFor('job.updated', (p) => p.id === jobId);
      expect(event.payload).to.include({ change: 'created', clientId });
      expect(event.payload.assignedTo).to.deep.equal([member.user.id]);
    }
    const note = await api.call(`/api/jobs/${jobId}/notes`, { token: member.token, json: { body: 'On my way' } });
    expect(note.status, note.text).to.equal(201);
    await v.waitFor('job.updated', (p) => p.id === jobId && p.change === 'note');

    await settle(a, u, v);
    // The admin subscribed to nothing and is no assignee: list views refresh on dashboard.invalidated instead.
    expect(a.seen('client.updated')).to.have.length(0);
    expect(a.seen('job.updated')).to.have.length(0);
    expect(a.seen('dashboard.invalidated', (p) => p.scope === 'jobs' && p.id === jobId)).to.have.length.above(0);
    expect(u.seen('client.updated'), 'not subscribed to the client').to.have.length(0);
  });

  it('tells admins, and only admins, of a critical security event as it is recorded', async () => {
    const [a, v] = [await connect(admin.token), await connect(viewer.token)];
    const refused = await api.call('/api/webhooks/jobber', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jobber-hmac-sha256': 'forged' },
      body: JSON.stringify({ data: { webHookEvent: { topic: 'CLIENT_UPDATE' } } }),
    });
    expect(refused.status, refused.text).to.equal(401);
    const alert = await a.waitFor('alert.created', (p) => p.type === 'webhook_signature_invalid');
    expect(alert.payload).to.include({ kind: 'security', severity: 'critical' });
    await settle(a, v);
    expect(v.seen('alert.created')).to.have.length(0);
  });

  it("ends a logged-out session's sockets at once, and leaves the user's other sessions connected", async () => {
    const ending = await login(api, member.user);
    const staying = await connect(member.token);
    const socket = await connect(ending.accessToken);
    const disconnected = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
    const out = await api.call('/api/auth/logout', { method: 'POST', token: ending.accessToken });
    expect(out.status, out.text).to.equal(204);
    expect((await socket.waitFor('session.ended')).payload).to.deep.equal({ reason: 'logout' });
    expect(await disconnected).to.equal('io server disconnect');
    expect(staying.socket.connected).to.equal(true);
  });

  it('disconnects a socket when its access token expires', async () => {
    const { config } = getHarness();
    // Issued so that it has two seconds left.
    const issuedAt = new Date(Date.now() - (ACCESS_TOKEN_TTL_SECONDS - 2) * 1000);
    const { token } = signAccessToken(
      config,
      { userId: member.user.id, role: 'user', sessionId: randomUUID() },
      issuedAt,
    );
    const socket = await connect(token);
    const disconnected = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
    expect((await socket.waitFor('session.ended', undefined, 5000)).payload).to.deep.equal({ reason: 'expired' });
    expect(await disconnected).to.equal('io server disconnect');
  });

  it("keeps the README's event catalogue equal to the events the server delivers, with their required fields", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Realtime (socket.io)'),
      readme.indexOf('\n## ', readme.indexOf('## Realtime') + 3),
    );
    const rows = section.split('\n').filter((line) => /^\| `[a-z]+\.[a-z]+`/.test(line));
    const documented = Object.fromEntries(
      rows.map((row) => {
        const cells = row.split('|').map((cell) => cell.trim());
        const required = [...(cells[3] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]);
        return [cells[1]!.replaceAll('`', ''), required];
      }),
    );
    const served = Object.fromEntries(
      Object.entries(REALTIME_EVENTS).map(([name, definition]) => [
        name,
        (definition.payload.required as string[]).filter((field) => field !== 'at'),
      ]),
    );
    expect(documented).to.deep.equal(served);
  });
});
