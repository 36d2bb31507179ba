import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ApiKey, SecurityEvent, WebhookEvent } from '../../db/entities/index.js';
import { customEventWorkflowId } from '../../temporal/custom-event-starters.js';
import { EVENTS_CHANNEL } from '../../worker/event-publisher.js';
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
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { eventually } from '../support/eventually.js';

/*
 * Custom webhook sources against the real stack: keys made through the API, posts over HTTP to a real server, the
 * hand-off to a real worker, and the alert it publishes read back from Redis.
 */

interface Published {
  event: string;
  payload: Json;
}

describe('api: custom webhook sources (API keys with scopes)', function () {
  this.timeout(120_000);
  const harness = () => getHarness();
  let api: TestApi;
  let worker: TestWorker;
  let subscriber: Redis;
  let adminToken: string;
  const published: Published[] = [];

  async function createKey(fields: { scopes?: string[]; role?: string } = {}): Promise<{ id: string; key: string }> {
    const reply = await api.call('/api/api-keys', {
      token: adminToken,
      json: { name: `key-${randomUUID().slice(0, 8)}`, role: fields.role ?? 'viewer', ...fields },
    });
    expect(reply.status, reply.text).to.equal(201);
    return { id: reply.body.apiKey.id as string, key: reply.body.key as string };
  }

  function post(source: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return api.call(`/api/webhooks/custom/${source}`, { json: body, headers });
  }

  const rows = (where: Record<string, unknown> = {}) =>
    harness()
      .orm.em.fork()
      .find(WebhookEvent, { vendor: 'custom', ...where }, { orderBy: { createdAt: 'asc' } });

  const refusals = () =>
    harness()
      .orm.em.fork()
      .find(SecurityEvent, { type: 'webhook_signature_invalid' }, { orderBy: { createdAt: 'asc' } });

  const alertsFor = (eventId: string) =>
    published.filter((entry) => entry.event === 'alert.created' && entry.payload.eventId === eventId);

  before(async () => {
    await harness().truncateAll();
    const taskQueue = harness().uniqueTaskQueue('custom-webhooks');
    api = await startTestApi({ config: { temporal: { ...harness().config.temporal, taskQueue } } });
    worker = await startTestWorker(taskQueue);
    subscriber = new Redis(harness().redisUrl);
    subscriber.on('message', (_channel, message: string) => published.push(JSON.parse(message) as Published));
    await subscriber.subscribe(EVENTS_CHANNEL);
    adminToken = (await login(api, await createTestUser('admin'))).accessToken;
  });

  after(async () => {
    subscriber?.disconnect();
    await worker?.stop();
    await api?.close();
  });

  describe('delivery', () => {
    let websiteKey: string;

    before(async () => {
      websiteKey = (await createKey({ scopes: ['webhooks:custom:website'] })).key;
    });

    it('stores the event, hands it to a workflow that announces it, and answers 202', async () => {
      const eventId = `form-${randomUUID()}`;
      const body = { type: 'form.submitted', summary: 'Quote request from Ada', email: 'ada@example.test' };
      const reply = await post('website', body, { 'x-api-key': websiteKey, 'idempotency-key': eventId });
      expect(reply.status, reply.text).to.equal(202);
      expect(reply.body).to.deep.equal({ eventId, duplicate: false });

      const stored = await rows({ eventId });
      expect(stored).to.have.length(1);
      const workflowId = customEventWorkflowId('website', eventId);
      expect(workflowId).to.equal(`custom-event:website:${createHash('sha256').update(eventId).digest('base64url')}`);
      expect(stored[0]).to.deep.include({
        vendor: 'custom',
        source: 'custom:website',
        eventType: 'form.submitted',
        status: 'processed',
        deliveries: 1,
        signatureValid: true,
        workflowIds: [workflowId],
      });
      expect(stored[0]!.payload).to.deep.equal(body);
      // The key authenticated the request; it is never kept with the event.
      expect(Object.keys(stored[0]!.headers ?? {})).not.to.include('x-api-key');
      expect(JSON.stringify(stored[0])).not.to.include(websiteKey);

      const handle = harness().temporalClient.workflow.getHandle(workflowId);
      await handle.result();
      expect((await handle.describe()).status.name).to.equal('COMPLETED');
      const alerts = await eventually(
        async () => alertsFor(eventId),
        (found) => found.length > 0,
      );
      expect(alerts).to.have.length(1);
      expect(alerts[0]!.payload).to.deep.include({
        source: 'website',
        eventType: 'form.submitted',
        eventId,
        webhookEventId: stored[0]!.id,
        summary: 'Quote request from Ada',
      });
      expect(Date.parse(alerts[0]!.payload.receivedAt as string)).to.be.closeTo(Date.now(), 60_000);
    });

    it('answers a redelivery with the same Idempotency-Key as a duplicate and acts once', async () => {
      const eventId = `order-${randomUUID()}`;
      const first = await post('website', { total: 120 }, { 'x-api-key': websiteKey, 'idempotency-key': eventId });
      expect(first.status, first.text).to.equal(202);
      const handle = harness().temporalClient.workflow.getHandle(customEventWorkflowId('website', eventId));
      await handle.result();
      const firstRun = (await handle.describe()).runId;

      const again = await post('website', { total: 120 }, { 'x-api-key': websiteKey, 'idempotency-key': eventId });
      expect(again.status, again.text).to.equal(202);
      expect(again.body).to.deep.equal({ eventId, duplicate: true });

      const stored = await rows({ eventId });
      expect(stored).to.have.length(1);
      expect(stored[0]).to.deep.include({ status: 'processed', deliveries: 2 });
      expect((await handle.describe()).runId).to.equal(firstRun);
      await eventually(
        async () => alertsFor(eventId),
        (found) => found.length > 0,
      );
      // Time for a second alert to show up, had a second run been started.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(alertsFor(eventId)).to.have.length(1);
    });

    it('hands a failed event off again on redelivery, to the same workflow, without a second run', async () => {
      const eventId = `retry-${randomUUID()}`;
      const headers = { 'x-api-key': websiteKey, 'idempotency-key': eventId };
      expect((await post('website', { message: 'Door sensor tripped' }, headers)).status).to.equal(202);
      const workflowId = customEventWorkflowId('website', eventId);
      const handle = harness().temporalClient.workflow.getHandle(workflowId);
      await handle.result();
      const firstRun = (await handle.describe()).runId;
      // As if the first request's hand-off had failed after the workflow started: the redelivery claims the row.
      await harness()
        .orm.em.fork()
        .nativeUpdate(WebhookEvent, { source: 'custom:website', eventId }, { status: 'failed', workflowIds: [] });

      const again = await post('website', { message: 'Door sensor tripped' }, headers);
      expect(again.body).to.deep.equal({ eventId, duplicate: false });
      const stored = await rows({ eventId });
      expect(stored.map((row) => [row.status, row.deliveries, row.workflowIds])).to.deep.equal([
        ['processed', 2, [workflowId]],
      ]);
      expect((await handle.describe()).runId).to.equal(firstRun);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(alertsFor(eventId).map((entry) => entry.payload.summary)).to.deep.equal(['Door sensor tripped']);
    });

    it("takes the event id from X-Event-Id, the body's id or event_id, or else a digest of the body", async () => {
      const headerId = `hdr-${randomUUID()}`;
      const fromHeader = await post('website', { id: 'ignored' }, { 'x-api-key': websiteKey, 'x-event-id': headerId });
      expect(fromHeader.body.eventId).to.equal(headerId);

      const numeric = Math.floor(Math.random() * 1e12);
      const fromId = await post('website', { id: numeric, event: 'ping' }, { 'x-api-key': websiteKey });
      expect(fromId.status, fromId.text).to.equal(202);
      expect(fromId.body.eventId).to.equal(String(numeric));
      expect((await rows({ eventId: String(numeric) }))[0]?.eventType).to.equal('ping');

      const snakeId = `evt-${randomUUID()}`;
      const fromEventId = await post('website', { event_id: snakeId }, { 'x-api-key': websiteKey });
      expect(fromEventId.body.eventId).to.equal(snakeId);

      const anonymous = [{ metric: 'disk', value: randomUUID() }];
      const digest = createHash('sha256').update(JSON.stringify(anonymous)).digest('base64url');
      const once = await post('website', anonymous, { 'x-api-key': websiteKey, 'x-event-type': 'metrics' });
      expect(once.body).to.deep.equal({ eventId: digest, duplicate: false });
      const twice = await post('website', anonymous, { 'x-api-key': websiteKey, 'x-event-type': 'metrics' });
      expect(twice.body).to.deep.equal({ eventId: digest, duplicate: true });
      const stored = await rows({ eventId: digest });
      expect(stored.map((row) => [row.eventType, row.deliveries])).to.deep.equal([['metrics', 2]]);

      const alerts = await eventually(
        async () => alertsFor(digest),
        (found) => found.length > 0,
      );
      expect(alerts[0]!.payload.summary).to.equal('website sent metrics');
    });

    it('refuses an event id or type longer than 200 characters, and a body that is not JSON', async () => {
      const before = (await rows()).length;
      const longId = await post('website', {}, { 'x-api-key': websiteKey, 'idempotency-key': 'x'.repeat(201) });
      expectError(longId, 400, 'validation_failed');
      expectError(
        await post('website', { type: 't'.repeat(201) }, { 'x-api-key': websiteKey }),
        400,
        'validation_failed',
      );
      const text = await api.call('/api/webhooks/custom/website', {
        method: 'POST',
        headers: { 'x-api-key': websiteKey, 'content-type': 'text/plain' },
        body: 'hello',
      });
      expectError(text, 415, 'unsupported_media_type');
      expectError(await post('Not_A_Source!', {}, { 'x-api-key': websiteKey }), 400, 'validation_failed');
      expect(await rows()).to.have.length(before);
    });

    it('lets a webhooks:custom:* key post to any source', async () => {
      const { key } = await createKey({ scopes: ['webhooks:custom:*'] });
      const eventId = `any-${randomUUID()}`;
      const reply = await post(
        'monitoring',
        { title: 'Backup failed' },
        { 'x-api-key': key, 'idempotency-key': eventId },
      );
      expect(reply.status, reply.text).to.equal(202);
      expect((await rows({ eventId }))[0]).to.deep.include({ source: 'custom:monitoring', status: 'processed' });
      const alerts = await eventually(
        async () => alertsFor(eventId),
        (found) => found.length > 0,
      );
      expect(alerts[0]!.payload).to.deep.include({ source: 'monitoring', summary: 'Backup failed', eventType: null });
    });
  });

  describe('refusals', () => {
    it('answers 401 with a security event and stores nothing, for every key that may not post here', async () => {
      const website = await createKey({ scopes: ['webhooks:custom:website'] });
      const revoked = await createKey({ scopes: ['webhooks:custom:website'] });
      const revoke = await api.call(`/api/api-keys/${revoked.id}`, { method: 'DELETE', token: adminToken });
      expect(revoke.status).to.equal(204);
      const otherSource = await createKey({ scopes: ['webhooks:custom:crm'] });
      const restOnly = await createKey({ scopes: ['api'], role: 'admin' });
      const tampered = `${website.key.slice(0, -1)}${website.key.endsWith('A') ? 'B' : 'A'}`;

      const cases: Array<[string, Record<string, string>, string]> = [
        ['no key', {}, 'api_key_missing'],
        ['not a key', { 'x-api-key': 'let-me-in' }, 'api_key_invalid'],
        ['wrong secret', { 'x-api-key': tampered }, 'api_key_invalid'],
        ['revoked key', { 'x-api-key': revoked.key }, 'api_key_revoked'],
        ['key of another source', { 'x-api-key': otherSource.key }, 'api_key_scope'],
        ['REST-only key', { 'x-api-key': restOnly.key }, 'api_key_scope'],
        ['key as a bearer token', { authorization: `Bearer ${website.key}` }, 'api_key_missing'],
      ];
      const rowsBefore = (await rows()).length;
      const eventsBefore = (await refusals()).length;
      for (const [name, headers] of cases) {
        const reply = await post('website', { id: `refused-${randomUUID()}` }, headers);
        expect(reply.status, `${name}: ${reply.text}`).to.equal(401);
        expectError(reply, 401, 'webhook_signature_invalid');
      }
      const recorded = (await refusals()).slice(eventsBefore);
      expect(recorded.map((event) => event.details?.reason)).to.deep.equal(cases.map(([, , reason]) => reason));
      for (const event of recorded) {
        expect(event).to.deep.include({ severity: 'critical' });
        expect(event.details).to.deep.include({ vendor: 'custom', path: '/api/webhooks/custom/website' });
        expect(JSON.stringify(event)).not.to.include(website.key.slice(21));
      }
      expect(await rows()).to.have.length(rowsBefore);
    });
  });

  describe('scopes on the REST API', () => {
    it('refuses a webhook-only key on the REST API with 403 insufficient_scope', async () => {
      const { id, key } = await createKey({ scopes: ['webhooks:custom:website'], role: 'admin' });
      const users = await api.call('/api/users', { token: key });
      expectError(users, 403, 'insufficient_scope');
      expect(users.body.error.message).to.include("'api' scope");
      expectError(await api.call('/api/auth/me', { token: key }), 403, 'insufficient_scope');
      const denied = await harness()
        .orm.em.fork()
        .find(SecurityEvent, { type: 'permission_denied' }, { orderBy: { createdAt: 'asc' } });
      expect(denied.map((event) => event.details)).to.deep.include({
        method: 'GET',
        path: '/api/users',
        apiKeyId: id,
        reason: 'scope',
        scope: 'api',
      });
    });

    it('gives a key created without scopes the REST API, and so a key stored before scopes existed', async () => {
      const created = await api.call('/api/api-keys', { token: adminToken, json: { name: 'script', role: 'admin' } });
      expect(created.status, created.text).to.equal(201);
      expect(created.body.apiKey.scopes).to.deep.equal(['api']);
      const key = created.body.key as string;
      const users = await api.call('/api/users', { token: key });
      expect(users.status, users.text).to.equal(200);

      await harness()
        .orm.em.fork()
        .nativeUpdate(ApiKey, { id: created.body.apiKey.id as string }, { scopes: [] });
      const me = await api.call('/api/auth/me', { token: key });
      expect(me.status, me.text).to.equal(200);
      expect(me.body).to.deep.include({ kind: 'api_key', role: 'admin' });
      const listed = await api.call('/api/api-keys', { token: adminToken });
      const legacy = listed.body.data.find((row: { id: string }) => row.id === created.body.apiKey.id);
      expect(legacy.scopes).to.deep.equal(['api']);
      // The REST scope alone does not open a custom source.
      expectError(await post('website', {}, { 'x-api-key': key }), 401, 'webhook_signature_invalid');
    });
  });
});
