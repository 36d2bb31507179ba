import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { Job, SecurityEvent, SyncLog, WebhookEvent } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { freePort } from '../../scripts/services/ports.js';
import { webhookEventsSignalled } from '../../temporal/webhook-signals.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import { call, expectError, startTestApi, type Reply, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';
import { until } from '../support/worker-process.js';

/*
 * Jobber and QuickBooks webhooks against the real stack: the simulators post their signed webhooks to a real API,
 * which stores each event once and signals the connection's sync, which a real worker runs against the simulators.
 * Hand-made deliveries are signed with the vendors' documented schemes (HMAC-SHA256, base64) by node:crypto.
 */

const hmac = (key: string, body: string) => createHmac('sha256', key).update(body).digest('base64');

describe('api: Jobber and QuickBooks webhooks signal the syncs', function () {
  this.timeout(180_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let info: Record<string, Record<string, unknown>>;

  const em = () => getHarness().orm.em.fork();
  const events = (where: Record<string, unknown> = {}) =>
    em().find(WebhookEvent, where, { orderBy: { receivedAt: 'asc' } });
  const jobberSecret = () => String(info.jobber!.clientSecret);
  const verifierToken = () => String(info.quickbooks!.webhookVerifierToken);

  function post(vendor: string, body: string, headers: Record<string, string>): Promise<Reply> {
    return call(api.base, `/api/webhooks/${vendor}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }

  function jobberBody(topic: string, itemId: string, accountId = String(info.jobber!.accountId)): string {
    return JSON.stringify({
      data: {
        webHookEvent: { topic, appId: 'app-1', accountId, itemId, occurredAt: new Date().toISOString() },
      },
    });
  }

  async function processedEvent(where: Record<string, unknown>): Promise<WebhookEvent> {
    let found: WebhookEvent | null = null;
    await until(
      async () => {
        found = await em().findOne(WebhookEvent, { ...where, status: { $in: ['processed', 'ignored'] } });
        return found !== null;
      },
      `webhook event ${JSON.stringify(where)}`,
    );
    return found!;
  }

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createJobberSimulator, createQuickbooksSimulator],
      vendors: ['jobber', 'quickbooks'],
    });
    const port = await freePort();
    const publicBaseUrl = `http://127.0.0.1:${port}`;
    api = await startTestApi({
      config: {
        port,
        publicBaseUrl,
        temporal: { ...getHarness().config.temporal, taskQueue: fixture.taskQueue },
      },
    });
    const reply = await fetch(`${fixture.running.controlUrl}/_sandbox`);
    info = ((await reply.json()) as { vendors: typeof info }).vendors;
    const settings = await fixture.control('settings', {
      webhookUrls: {
        jobber: `${publicBaseUrl}/api/webhooks/jobber`,
        quickbooks: `${publicBaseUrl}/api/webhooks/quickbooks`,
      },
    });
    expect(settings.status).to.equal(200);
    await fixture.sync('jobber', 'jobs', 'full');
    await fixture.sync('quickbooks', 'customers', 'full');
  });

  after(async () => {
    await api?.close();
    await fixture?.close();
  });

  describe('Jobber', () => {
    it("a job edited in Jobber reaches our jobs table through its signed webhook and the job sync's pass", async () => {
      const response = await fixture.control('mutate', {
        entity: 'job',
        action: 'update',
        key: 5,
        changes: { title: 'Changed in Jobber, told by webhook' },
      });
      expect(response.status).to.equal(200);
      const event = await processedEvent({ source: 'jobber', eventType: 'JOB_UPDATE' });
      const syncId = workflowIds.sync(fixture.connections.jobber!.id, 'jobs');
      expect(event.status).to.equal('processed');
      expect(event.workflowIds).to.deep.equal([syncId]);
      expect(event.signatureValid).to.equal(true);
      expect(event.headers).to.have.property('x-jobber-hmac-sha256');
      await until(
        async () => (await em().count(Job, { title: 'Changed in Jobber, told by webhook' })) === 1,
        'the job title from the webhook-triggered pass',
      );
      await until(
        async () => (await webhookEventsSignalled(getHarness().temporalClient, syncId)).includes(event.id),
        'the signal carrying the inbox row id',
      );
    });

    it('a redelivered event is stored once, counted, answered 200 and signals nothing more', async () => {
      const body = jobberBody('CLIENT_UPDATE', 'Z2lkOi8vSm9iYmVyL0NsaWVudC8x');
      const headers = { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) };
      const first = await post('jobber', body, headers);
      expect(first.status, first.text).to.equal(200);
      expect(first.body).to.deep.equal({ accepted: 1, duplicates: 0 });
      const again = await post('jobber', body, headers);
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal({ accepted: 0, duplicates: 1 });
      const [row, ...others] = await events({ source: 'jobber', eventType: 'CLIENT_UPDATE' });
      expect(others).to.have.length(0);
      expect(row!.deliveries).to.equal(2);
      const syncId = workflowIds.sync(fixture.connections.jobber!.id, 'customers');
      expect(row!.workflowIds).to.deep.equal([syncId]);
      await until(
        async () => (await webhookEventsSignalled(getHarness().temporalClient, syncId)).includes(row!.id),
        'the first delivery signal',
      );
      const signalled = await webhookEventsSignalled(getHarness().temporalClient, syncId);
      expect(signalled.filter((id) => id === row!.id)).to.have.length(1);
    });

    it('refuses a wrong or missing signature with 401 and a security event, storing nothing', async () => {
      const before = await em().count(WebhookEvent, { source: 'jobber' });
      const body = jobberBody('QUOTE_CREATE', 'Z2lkOi8vSm9iYmVyL1F1b3RlLzE=');
      expectError(
        await post('jobber', body, { 'X-Jobber-Hmac-SHA256': hmac('not-the-secret', body) }),
        401,
        'webhook_signature_invalid',
      );
      expectError(await post('jobber', body, {}), 401, 'webhook_signature_invalid');
      const tampered = body.replace('QUOTE_CREATE', 'QUOTE_UPDATE');
      expectError(
        await post('jobber', tampered, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) }),
        401,
        'webhook_signature_invalid',
      );
      expect(await em().count(WebhookEvent, { source: 'jobber' })).to.equal(before);
      const refused = await em().find(SecurityEvent, { type: 'webhook_signature_invalid' });
      const reasons = refused.map((event) => (event.details as { reason?: string }).reason);
      expect(reasons).to.include.members(['signature_mismatch', 'missing_signature']);
    });

    it('keeps, but does not act on, an event for an account we are not connected to or a topic we do not sync', async () => {
      const stranger = jobberBody('CLIENT_CREATE', 'Z2lkOi8vSm9iYmVyL0NsaWVudC85', 'Z2lkOi8vSm9iYmVyL0FjY291bnQvOTk=');
      expect(
        (await post('jobber', stranger, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), stranger) })).status,
      ).to.equal(200);
      const visit = jobberBody('VISIT_COMPLETE', 'Z2lkOi8vSm9iYmVyL1Zpc2l0LzE=');
      expect((await post('jobber', visit, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), visit) })).status).to.equal(
        200,
      );
      const ignored = await events({ source: 'jobber', eventType: { $in: ['CLIENT_CREATE', 'VISIT_COMPLETE'] } });
      expect(ignored.map((row) => [row.eventType, row.status, row.workflowIds])).to.have.deep.members([
        ['CLIENT_CREATE', 'ignored', []],
        ['VISIT_COMPLETE', 'ignored', []],
      ]);
    });

    it('answers 400 for a signed body that is not a Jobber event, and stores nothing', async () => {
      const body = JSON.stringify({ data: { something: 'else' } });
      const reply = await post('jobber', body, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) });
      expectError(reply, 400, 'validation_failed');
    });
  });

  describe('QuickBooks', () => {
    it('a customer changed in QuickBooks starts a CDC pass through its signed notification', async () => {
      const response = await fixture.control('mutate', {
        entity: 'customer',
        action: 'update',
        key: 2,
        changes: { companyName: 'Renamed In QuickBooks Ltd' },
      });
      expect(response.status).to.equal(200);
      const event = await processedEvent({ source: 'quickbooks', eventType: 'customer.update' });
      const syncId = workflowIds.sync(fixture.connections.quickbooks!.id, 'customers');
      expect(event.workflowIds).to.deep.equal([syncId]);
      await until(
        async () => (await webhookEventsSignalled(getHarness().temporalClient, syncId)).includes(event.id),
        'the CDC sync signalled with the inbox row id',
      );
      await until(async () => {
        const passes = await em().find(SyncLog, { workflowId: syncId, step: 'started' });
        return passes.some((pass) =>
          (pass.metadata?.requests as Array<{ webhookEventIds?: string[] }> | undefined)?.some((request) =>
            request.webhookEventIds?.includes(event.id),
          ),
        );
      }, 'a CDC pass started for this event');
    });

    it('takes the CloudEvents form: one row per event id, a repeated id acted on once', async () => {
      const realmId = String(info.quickbooks!.realmId);
      const cloudEvent = (id: string, type: string, entityId: string) => ({
        specversion: '1.0',
        id,
        source: 'intuit.test',
        type,
        datacontenttype: 'application/json',
        time: new Date().toISOString(),
        intuitentityid: entityId,
        intuitaccountid: realmId,
        data: {},
      });
      const body = JSON.stringify([
        cloudEvent('ce-1', 'qbo.invoice.updated.v1', '12'),
        cloudEvent('ce-2', 'qbo.payment.created.v1', '7'),
        cloudEvent('ce-3', 'qbo.employee.created.v1', '3'),
      ]);
      const reply = await post('quickbooks', body, { 'intuit-signature': hmac(verifierToken(), body) });
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ accepted: 3, duplicates: 0 });
      const again = JSON.stringify([cloudEvent('ce-1', 'qbo.invoice.updated.v1', '12')]);
      const second = await post('quickbooks', again, { 'intuit-signature': hmac(verifierToken(), again) });
      expect(second.body).to.deep.equal({ accepted: 0, duplicates: 1 });
      const rows = await events({ source: 'quickbooks', eventId: { $in: ['ce-1', 'ce-2', 'ce-3'] } });
      const connectionId = fixture.connections.quickbooks!.id;
      expect(rows.map((row) => [row.eventId, row.status, row.workflowIds, row.deliveries])).to.have.deep.members([
        ['ce-1', 'processed', [workflowIds.sync(connectionId, 'invoices')], 2],
        ['ce-2', 'processed', [workflowIds.sync(connectionId, 'payments')], 1],
        ['ce-3', 'ignored', [], 1],
      ]);
    });

    it('refuses a body signed with another key, with 401 and nothing stored', async () => {
      const before = await em().count(WebhookEvent, { source: 'quickbooks' });
      const body = JSON.stringify({ eventNotifications: [{ realmId: '1', dataChangeEvent: { entities: [] } }] });
      expectError(
        await post('quickbooks', body, { 'intuit-signature': hmac('another-verifier-token', body) }),
        401,
        'webhook_signature_invalid',
      );
      expect(await em().count(WebhookEvent, { source: 'quickbooks' })).to.equal(before);
    });
  });

  describe('a storm of events for one sync', () => {
    it('signals it far fewer times than there are events, each event carried exactly once', async () => {
      const bodies = Array.from({ length: 20 }, (_, index) =>
        jobberBody('QUOTE_UPDATE', Buffer.from(`gid://Jobber/Quote/${9000 + index}`).toString('base64')),
      );
      const replies = await Promise.all(
        bodies.map((body) => post('jobber', body, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) })),
      );
      expect(replies.map((reply) => reply.status)).to.deep.equal(bodies.map(() => 200));
      const rows = await events({ source: 'jobber', eventType: 'QUOTE_UPDATE' });
      expect(rows).to.have.length(20);
      const syncId = workflowIds.sync(fixture.connections.jobber!.id, 'quotes');
      expect(rows.every((row) => row.status === 'processed' && row.workflowIds[0] === syncId)).to.equal(true);

      const ours = new Set(rows.map((row) => row.id));
      const client = getHarness().temporalClient;
      let carried: string[] = [];
      await until(async () => {
        carried = (await webhookEventsSignalled(client, syncId)).filter((id) => ours.has(id));
        return carried.length >= ours.size;
      }, 'every event in the sync signals');
      expect(carried.sort()).to.deep.equal([...ours].sort());
      let signals = 0;
      for await (const run of client.workflow.list({ query: `WorkflowId = '${syncId}'` })) {
        const history = await client.workflow.getHandle(syncId, run.runId).fetchHistory();
        signals += (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes).length;
      }
      expect(signals).to.be.below(20);
    });
  });

  describe('when the hand-off fails', () => {
    it('answers 503 and marks the event failed; the redelivery claims it again and acts once', async () => {
      // An API whose Temporal namespace does not exist: every signal fails, as when Temporal is unreachable.
      const broken = await startTestApi({
        config: { temporal: { ...getHarness().config.temporal, namespace: 'no-such-namespace' } },
      });
      const body = jobberBody('INVOICE_UPDATE', 'Z2lkOi8vSm9iYmVyL0ludm9pY2UvMw==');
      const headers = { 'content-type': 'application/json', 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) };
      try {
        const refused = await call(broken.base, '/api/webhooks/jobber', { method: 'POST', headers, body });
        expectError(refused, 503, 'webhook_handoff_failed');
        expect(refused.headers.get('retry-after')).to.equal('10');
      } finally {
        await broken.close();
      }
      const [failed] = await events({ source: 'jobber', eventType: 'INVOICE_UPDATE' });
      expect(failed!.status).to.equal('failed');
      expect(failed!.error).to.be.a('string').with.length.above(0);

      const redelivered = await post('jobber', body, { 'X-Jobber-Hmac-SHA256': hmac(jobberSecret(), body) });
      expect(redelivered.body).to.deep.equal({ accepted: 1, duplicates: 0 });
      const [row] = await events({ source: 'jobber', eventType: 'INVOICE_UPDATE' });
      expect(row!.id).to.equal(failed!.id);
      expect([row!.status, row!.deliveries, row!.error]).to.deep.equal(['processed', 2, null]);
    });
  });
});
