import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { VendorConnection } from '../../db/entities/index.js';
import { recordSyncStep } from '../../db/repositories/sync-log.js';
import { createTestUser, login, startTestApi, type Reply, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { parsePrometheus, samplesOf, valueOf, type Sample } from '../support/prometheus.js';

/*
 * /metrics of a real API server: requests made over HTTP, then the exposition parsed and read back. Sync gauges come
 * from sync_log rows written here the way the worker writes them.
 */

const METRICS_TOKEN = `metrics-${randomUUID()}`;

describe('api: /metrics (Prometheus)', function () {
  this.timeout(120_000);
  const harness = () => getHarness();
  let api: TestApi;
  let adminToken: string;
  let connectionId: string;

  async function scrape(target: TestApi = api, headers: Record<string, string> = {}): Promise<Sample[]> {
    const reply = await target.call('/metrics', { headers });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(reply.text);
  }

  const requests = (samples: Sample[], labels: Record<string, string>) =>
    valueOf(samples, 'http_request_duration_seconds_count', labels);

  /** A sync_log row as the sync activities write it. */
  async function syncStep(resource: string, step: string, metadata: Record<string, unknown> = {}, service = 'jobber') {
    await recordSyncStep(harness().orm.em.fork(), {
      service,
      operation: 'sync_full',
      resourceType: resource,
      status: step === 'page_stored' || step === 'completed' ? 'succeeded' : step,
      step,
      metadata,
      connectionId,
      workflowId: `sync:${connectionId}:${resource}`,
      runId: randomUUID(),
      activityId: randomUUID(),
    });
  }

  before(async () => {
    await harness().truncateAll();
    const namespace = `metrics-${randomUUID()}`;
    api = await startTestApi({
      rateLimits: {
        auth: { max: 2, namespace: `${namespace}-auth` },
        webhooks: { max: 3, namespace: `${namespace}-webhooks` },
      },
    });
    adminToken = (await login(api, await createTestUser('admin'))).accessToken;

    // The sync gauges read sync_log when first scraped (then cache briefly): the rows go in before any scrape.
    const em = harness().orm.em.fork();
    const connection = em.create(VendorConnection, { vendor: 'jobber', externalAccountId: `metrics-${randomUUID()}` });
    await em.flush();
    connectionId = connection.id;
    const page = { fetched: 100, inserted: 60, updated: 30, merged: 10, deleted: 2 };
    await syncStep('customers', 'page_stored', { page: 1, ...page });
    await syncStep('customers', 'page_stored', { page: 2, ...page, fetched: 50, inserted: 50, updated: 0 });
    await syncStep('customers', 'completed', { fetched: 150 });
    await syncStep('jobs', 'failed');
    await syncStep('jobs', 'cancelled');
    // Outside the window, and a message delivery's row under a vendor name: neither counts.
    await syncStep('invoices', 'completed');
    await harness()
      .orm.em.getConnection()
      .execute(`update sync_log set created_at = now() - interval '2 hours' where resource_type = 'invoices'`);
    await recordSyncStep(harness().orm.em.fork(), {
      service: 'jobber',
      operation: 'send_message',
      resourceType: 'customers',
      status: 'succeeded',
      step: 'completed',
      connectionId,
    });
  });

  after(async () => {
    await api?.close();
  });

  it('labels HTTP requests by route template, method and final status, never by the path', async () => {
    const missing = randomUUID();
    for (const id of [missing, randomUUID()]) {
      const reply = await api.call(`/api/clients/${id}`, { token: adminToken });
      expect(reply.status, reply.text).to.equal(404);
    }
    expect((await api.call(`/api/clients/${missing}`)).status).to.equal(401);
    expect((await api.call('/api/no/such/thing', { token: adminToken })).status).to.equal(404);

    const samples = await scrape();
    expect(requests(samples, { method: 'GET', route: '/api/clients/:id', status: '404' })).to.equal(2);
    // Refused before routing, still counted against its route.
    expect(requests(samples, { method: 'GET', route: '/api/clients/:id', status: '401' })).to.equal(1);
    expect(requests(samples, { method: 'GET', route: 'unmatched', status: '404' })).to.equal(1);
    expect(requests(samples, { method: 'POST', route: '/api/auth/login', status: '200' })).to.equal(1);
    const routes = samplesOf(samples, 'http_request_duration_seconds_count').map((sample) => sample.labels.route);
    expect(routes.filter((route) => route?.includes(missing) || route?.includes('/no/such'))).to.deep.equal([]);
    // A histogram with buckets up to +Inf, and Node's default process metrics beside it.
    const buckets = samplesOf(samples, 'http_request_duration_seconds_bucket', { route: '/api/clients/:id' });
    expect(buckets.map((sample) => sample.labels.le)).to.include('+Inf');
    expect(valueOf(samples, 'nodejs_heap_size_total_bytes')).to.be.above(0);
  });

  it('counts 429s by the limiter that refused them', async () => {
    const body = { email: `nobody-${randomUUID()}@example.test`, password: 'not-the-password' };
    // The admin's login took one of the two; the second is a 401, the third a 429.
    expect((await api.call('/api/auth/login', { json: body })).status).to.equal(401);
    expect((await api.call('/api/auth/login', { json: body })).status).to.equal(429);

    const samples = await scrape();
    expect(valueOf(samples, 'rate_limit_rejections_total', { limiter: 'auth' })).to.equal(1);
    expect(valueOf(samples, 'rate_limit_rejections_total', { limiter: 'global' })).to.equal(0);
    expect(requests(samples, { method: 'POST', route: '/api/auth/login', status: '429' })).to.equal(1);
  });

  it('counts webhook deliveries by sender and outcome, and the events inside them', async () => {
    const created = await api.call('/api/api-keys', {
      token: adminToken,
      json: { name: 'metrics form', role: 'viewer', scopes: ['webhooks:custom:form'] },
    });
    expect(created.status, created.text).to.equal(201);
    const key = created.body.key as string;
    const post = (path: string, headers: Record<string, string> = {}): Promise<Reply> =>
      api.call(path, { json: { id: 'event-1', summary: 'a form was sent' }, headers });

    expect((await post('/api/webhooks/jobber')).status).to.equal(401);
    expect((await post('/api/webhooks/custom/form')).status).to.equal(401);
    expect((await post('/api/webhooks/custom/form', { 'X-API-Key': key })).status).to.equal(202);
    const again = await post('/api/webhooks/custom/form', { 'X-API-Key': key });
    expect(again.body).to.deep.equal({ eventId: 'event-1', duplicate: true });
    // The fourth post of this source within the minute.
    expect((await post('/api/webhooks/custom/form', { 'X-API-Key': key })).status).to.equal(429);
    // Not a receiver: an unmatched route, no webhook series.
    expect((await post('/api/webhooks/nobody')).status).to.equal(404);

    const samples = await scrape();
    const deliveries = (source: string, outcome: string) =>
      valueOf(samples, 'webhook_deliveries_total', { source, outcome });
    expect(deliveries('jobber', 'missing_signature')).to.equal(1);
    expect(deliveries('custom', 'api_key_missing')).to.equal(1);
    expect(deliveries('custom', 'accepted')).to.equal(1);
    expect(deliveries('custom', 'duplicate')).to.equal(1);
    expect(deliveries('custom', 'rate_limited')).to.equal(1);
    expect(samplesOf(samples, 'webhook_deliveries_total').map((sample) => sample.labels.source)).to.have.members([
      'jobber',
      'custom',
      'custom',
      'custom',
      'custom',
    ]);
    expect(valueOf(samples, 'webhook_events_total', { source: 'custom', outcome: 'accepted' })).to.equal(1);
    expect(valueOf(samples, 'webhook_events_total', { source: 'custom', outcome: 'duplicate' })).to.equal(1);
    expect(valueOf(samples, 'rate_limit_rejections_total', { limiter: 'webhooks' })).to.equal(1);
  });

  it('reports the last hour of sync_log as gauges, with every synced series present', async () => {
    const samples = await scrape();
    const records = (resource: string, operation: string) =>
      valueOf(samples, 'sync_records_last_hour', { vendor: 'jobber', resource, operation });
    expect(records('customers', 'fetched')).to.equal(150);
    expect(records('customers', 'inserted')).to.equal(110);
    expect(records('customers', 'updated')).to.equal(30);
    expect(records('customers', 'merged')).to.equal(20);
    expect(records('customers', 'deleted')).to.equal(4);
    const runs = (resource: string, status: string) =>
      valueOf(samples, 'sync_runs_last_hour', { vendor: 'jobber', resource, status });
    // The send_message row does not count, nor the invoices sync two hours ago.
    expect(runs('customers', 'completed')).to.equal(1);
    expect(runs('jobs', 'failed')).to.equal(1);
    expect(runs('jobs', 'cancelled')).to.equal(1);
    expect(runs('invoices', 'completed')).to.equal(0);
    // Every resource the Jobber connection syncs has its series, at zero when idle; QuickBooks has no connection.
    expect(samplesOf(samples, 'sync_runs_last_hour', { vendor: 'jobber', resource: 'quotes' })).to.have.length(3);
    expect(samplesOf(samples, 'sync_records_last_hour', { vendor: 'quickbooks' })).to.have.length(0);

    const lastCompleted = (resource: string) =>
      samplesOf(samples, 'sync_last_completed_timestamp_seconds', { vendor: 'jobber', resource });
    expect(lastCompleted('customers')[0]!.value).to.be.closeTo(Date.now() / 1000, 120);
    expect(lastCompleted('invoices')[0]!.value).to.be.closeTo(Date.now() / 1000 - 7200, 120);
    expect(lastCompleted('jobs')).to.have.length(0);
  });

  it('asks for METRICS_TOKEN as a bearer token when it is set, and never rate-limits the scraper', async () => {
    const namespace = `metrics-token-${randomUUID()}`;
    const guarded = await startTestApi({
      config: { metricsToken: METRICS_TOKEN },
      rateLimits: { global: { max: 1, namespace } },
    });
    try {
      const refused = await guarded.call('/metrics');
      expect(refused.status).to.equal(401);
      expect(refused.headers.get('www-authenticate')).to.equal('Bearer');
      expect(refused.body.error?.code).to.equal('unauthorized');
      expect((await guarded.call('/metrics', { token: `${METRICS_TOKEN}x` })).status).to.equal(401);
      // A user's access token is not the metrics token.
      expect((await guarded.call('/metrics', { token: adminToken })).status).to.equal(401);
      for (let scrapes = 0; scrapes < 3; scrapes += 1) {
        const samples = await scrape(guarded, { authorization: `Bearer ${METRICS_TOKEN}` });
        expect(requests(samples, { route: '/metrics', status: '401' })).to.equal(3);
      }
    } finally {
      await guarded.close();
    }
    // Without the setting, /metrics is public (every scrape above on `api` carried no credentials); it only reads.
    expect((await api.call('/metrics')).status).to.equal(200);
    const posted = await api.call('/metrics', { method: 'POST' });
    expect(posted.status).to.equal(405);
    expect(posted.headers.get('allow')).to.include('GET');
  });
});
