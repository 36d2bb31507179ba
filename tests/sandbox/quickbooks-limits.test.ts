import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import { startSandbox } from '../../sandbox/server.js';
import { quickbooksSimulatorFactory } from '../../sandbox/vendors/quickbooks/index.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * QuickBooks simulator: throttling (500/min and 10 concurrent per realm, small numbers here), control-API faults,
 * signed webhooks with Intuit's retries, and reset. node-quickbooks is pointed at the sandbox through
 * QuickBooks.V3_ENDPOINT_BASE_URL; webhook signatures are checked with an independent node:crypto HMAC.
 */

type Row = Record<string, unknown>;
type Method = (...args: unknown[]) => void;
interface QuickBooksClient {
  findCustomers: Method;
  getCustomer: Method;
  updateCustomer: Method;
  createCustomer: Method;
}
interface QuickBooksStatic {
  new (config: Row): QuickBooksClient;
  V3_ENDPOINT_BASE_URL: string;
  TOKEN_URL: string;
}
interface QboInfo {
  realmId: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  webhookVerifierToken: string;
  v3EndpointBaseUrl: string;
  tokenUrl: string;
}

const require = createRequire(import.meta.url);
const QuickBooks = require('node-quickbooks') as QuickBooksStatic;

function call<T = Row>(invoke: (callback: (err: unknown, data?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, data) => (err ? reject(err) : resolve(data as T))));
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; body: Row }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Row } }).response;
    if (response) return { status: response.status, body: response.data };
    throw error;
  }
  throw new Error('expected the call to fail');
}

function firstError(body: Row): Row {
  return (body.Fault as { Error: Row[] }).Error[0]!;
}

/** Intuit's documented scheme, written independently of the simulator: base64 HMAC-SHA256(verifier, raw body). */
function verifyIntuitSignature(request: ReceivedRequest, verifierToken: string): boolean {
  const header = request.headers['intuit-signature'];
  if (typeof header !== 'string') return false;
  const expected = createHmac('sha256', verifierToken).update(request.rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function startQuickbooks(options: Parameters<typeof quickbooksSimulatorFactory>[0]) {
  const running = await startSandbox({ factories: [quickbooksSimulatorFactory(options)], port: 0, scale: 'small' });
  const control = async (path: string, body?: unknown): Promise<Row> => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `control ${path}`).to.be.lessThan(300);
    return (await response.json()) as Row;
  };
  const info = ((await control('/')).vendors as Record<string, QboInfo>).quickbooks!;
  const client = () => {
    QuickBooks.V3_ENDPOINT_BASE_URL = info.v3EndpointBaseUrl;
    QuickBooks.TOKEN_URL = info.tokenUrl;
    return new QuickBooks({
      consumerKey: info.clientId,
      consumerSecret: info.clientSecret,
      token: info.accessToken,
      realmId: info.realmId,
      useSandbox: true,
      oauthversion: '2.0',
      refreshToken: info.refreshToken,
      minorversion: 75,
    });
  };
  return { running, control, info, client };
}

describe('sandbox: QuickBooks throttling, faults, webhooks and reset', function () {
  let qb: Awaited<ReturnType<typeof startQuickbooks>>;
  let receiver: WebhookReceiver;

  before(async function () {
    qb = await startQuickbooks({
      requestsPerMinute: 5,
      rateWindowMs: 1500,
      concurrentRequests: 2,
      webhookRetryDelaysMs: [30, 30],
    });
    receiver = await startWebhookReceiver();
  });

  after(async function () {
    await qb?.running.close();
    await receiver?.close();
  });

  const visibleCustomer = (index: number) =>
    qb.running.sandbox.world.customers.filter((c) => !c.variants.quickbooks?.missing && !c.deletedAt)[index]!;

  describe('rate limits', function () {
    beforeEach(async function () {
      await qb.control('/reset', {});
      await qb.control('/settings', { rateLimits: true });
    });

    afterEach(async function () {
      await qb.control('/settings', { rateLimits: false });
    });

    it('answers 429 / Fault 3001 over the per-realm request budget, and again after the window', async function () {
      const qbo = qb.client();
      for (let n = 0; n < 5; n += 1) await call((cb) => qbo.findCustomers({ limit: 1 }, cb));
      const throttled = await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));
      expect(throttled.status).to.equal(429);
      expect(firstError(throttled.body)).to.include({
        code: '3001',
        Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
      });
      expect((throttled.body.Fault as Row).type).to.equal('SERVICE');

      await qb.control('/settings', { rateLimits: false });
      await call((cb) => qbo.findCustomers({ limit: 1 }, cb));
      await qb.control('/settings', { rateLimits: true });
      await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));

      await new Promise((resolve) => setTimeout(resolve, 1600));
      const page = await call<{ QueryResponse: Row }>((cb) => qbo.findCustomers({ limit: 1 }, cb));
      expect(page.QueryResponse.maxResults).to.equal(1);
    });

    it('answers 429 when too many requests of one realm are in flight', async function () {
      const url = new URL(`${qb.info.v3EndpointBaseUrl}${qb.info.realmId}/customer`);
      const slow: Array<{ req: ClientRequest; body: string; status: Promise<number> }> = [];
      for (let n = 0; n < 2; n += 1) {
        // Headers and one byte now, the rest later: the request stays in flight inside the simulator.
        const body = JSON.stringify({ DisplayName: `Slow Sam ${n}` });
        const req = httpRequest(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${qb.info.accessToken}`,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          },
        });
        const status = new Promise<number>((resolve, reject) => {
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
        });
        req.write(body.slice(0, 1));
        slow.push({ req, body, status });
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
      const qbo = qb.client();
      const throttled = await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));
      expect(throttled.status).to.equal(429);
      expect(firstError(throttled.body).code).to.equal('3001');

      for (const { req, body } of slow) req.end(body.slice(1));
      expect(await Promise.all(slow.map(({ status }) => status))).to.deep.equal([200, 200]);
      await call((cb) => qbo.findCustomers({ limit: 1 }, cb));
    });
  });

  describe('control-API faults', function () {
    it('renders injected server errors and throttling in QBO fault shapes', async function () {
      const qbo = qb.client();
      await qb.control('/faults', { vendor: 'quickbooks', errorRate: 1, times: 1 });
      const broken = await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));
      expect(broken.status).to.equal(500);
      expect(firstError(broken.body).code).to.equal('10000');
      expect((broken.body.Fault as Row).type).to.equal('SystemFault');

      await qb.control('/faults', { vendor: 'quickbooks', throttleRate: 1, times: 1, endpoint: '/query' });
      const throttled = await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));
      expect(throttled.status).to.equal(429);
      expect(firstError(throttled.body).code).to.equal('3001');

      await call((cb) => qbo.findCustomers({ limit: 1 }, cb));
    });
  });

  describe('webhooks', function () {
    before(async function () {
      await qb.control('/settings', { webhookUrls: { quickbooks: receiver.url } });
    });

    beforeEach(async function () {
      await qb.running.sandbox.webhooks.drain();
      receiver.received.length = 0;
      receiver.respondWith(200);
    });

    it('signs a data-change notification for a control-API customer update', async function () {
      const customer = visibleCustomer(4);
      await qb.control('/mutate', {
        entity: 'customer',
        action: 'update',
        key: customer.key,
        changes: { lastName: 'Hook' },
      });
      const [request] = await receiver.waitFor(1);
      expect(request!.method).to.equal('POST');
      expect(request!.headers['content-type']).to.equal('application/json');
      expect(verifyIntuitSignature(request!, qb.info.webhookVerifierToken)).to.equal(true);
      expect(verifyIntuitSignature(request!, 'some-other-token')).to.equal(false);

      const payload = JSON.parse(request!.rawBody.toString('utf8')) as {
        eventNotifications: Array<{ realmId: string; dataChangeEvent: { entities: Row[] } }>;
      };
      const notification = payload.eventNotifications[0]!;
      expect(notification.realmId).to.equal(qb.info.realmId);
      expect(notification.dataChangeEvent.entities).to.have.length(1);
      expect(notification.dataChangeEvent.entities[0]).to.include({
        name: 'Customer',
        id: String(customer.key + 1),
        operation: 'Update',
      });
      expect(Date.parse(notification.dataChangeEvent.entities[0]!.lastUpdated as string)).to.be.closeTo(
        Date.now(),
        5000,
      );
    });

    it('stays silent about customers QuickBooks has no copy of', async function () {
      const missing = qb.running.sandbox.world.customers.find((c) => c.variants.quickbooks?.missing && !c.deletedAt)!;
      await qb.control('/mutate', {
        entity: 'customer',
        action: 'update',
        key: missing.key,
        changes: { lastName: 'X' },
      });
      await qb.control('/mutate', { entity: 'job', action: 'update', key: 0, changes: { title: 'not a QBO entity' } });
      await qb.running.sandbox.webhooks.drain();
      expect(receiver.received).to.have.length(0);
    });

    it('retries a failed delivery on the configured schedule until it gets a 200', async function () {
      receiver.respondWith((_request, index) => (index === 0 ? 500 : 200));
      const result = (await qb.control('/mutate', { entity: 'expense', action: 'delete', key: 2 })) as {
        change: { key: number };
      };
      const [first, second] = await receiver.waitFor(2);
      expect(second!.rawBody.equals(first!.rawBody)).to.equal(true);
      expect(verifyIntuitSignature(second!, qb.info.webhookVerifierToken)).to.equal(true);
      const entity = (
        JSON.parse(second!.rawBody.toString()) as {
          eventNotifications: Array<{ dataChangeEvent: { entities: Row[] } }>;
        }
      ).eventNotifications[0]!.dataChangeEvent.entities[0];
      expect(entity).to.include({ name: 'Purchase', id: String(result.change.key + 1), operation: 'Delete' });
      await qb.running.sandbox.webhooks.drain();
      expect(receiver.received).to.have.length(2);
      const attempts = qb.running.sandbox.deliveries.list({ vendor: 'quickbooks', kind: 'webhook' }).slice(-2);
      expect(attempts.map((d) => d.detail.status)).to.deep.equal([500, 200]);
    });

    it('notifies about writes made through the API as well', async function () {
      const qbo = qb.client();
      const created = await call((cb) => qbo.createCustomer({ DisplayName: 'Webhook Wanda' }, cb));
      const [request] = await receiver.waitFor(1);
      expect(verifyIntuitSignature(request!, qb.info.webhookVerifierToken)).to.equal(true);
      expect(request!.rawBody.toString()).to.contain(`"id":"${String(created.Id)}","operation":"Create"`);
    });
  });

  describe('reset', function () {
    it('regenerates the world and forgets ids and SyncTokens minted since', async function () {
      const qbo = qb.client();
      const customer = visibleCustomer(0);
      const id = String(customer.key + 1);
      const current = await call((cb) => qbo.getCustomer(id, cb));
      await call((cb) => qbo.updateCustomer({ Id: id, SyncToken: current.SyncToken, GivenName: 'Before' }, cb));
      const created = await call((cb) => qbo.createCustomer({ DisplayName: 'Reset Rita' }, cb));

      await qb.control('/reset', {});
      const again = await call((cb) => qbo.getCustomer(id, cb));
      expect(again.SyncToken).to.equal('0');
      expect(again.GivenName).to.not.equal('Before');
      const gone = await failure(call((cb) => qbo.getCustomer(String(created.Id), cb)));
      expect(firstError(gone.body).code).to.equal('610');
    });
  });

  describe('CloudEvents format (option)', function () {
    let cloud: Awaited<ReturnType<typeof startQuickbooks>>;

    before(async function () {
      cloud = await startQuickbooks({ webhookFormat: 'cloudevents', webhookVerifierToken: 'cloud-verifier' });
      await cloud.control('/settings', { webhookUrls: { quickbooks: receiver.url } });
      receiver.received.length = 0;
    });

    after(async function () {
      await cloud?.running.close();
    });

    it('sends a CloudEvents array signed the same way', async function () {
      const invoice = cloud.running.sandbox.world.invoices.find(
        (i) => !cloud.running.sandbox.world.customers[i.customerKey]!.variants.quickbooks?.missing,
      )!;
      await cloud.control('/mutate', {
        entity: 'invoice',
        action: 'update',
        key: invoice.key,
        changes: { total: 999 },
      });
      const [request] = await receiver.waitFor(1);
      expect(verifyIntuitSignature(request!, 'cloud-verifier')).to.equal(true);
      const events = JSON.parse(request!.rawBody.toString()) as Row[];
      expect(events).to.have.length(1);
      expect(events[0]).to.include({
        specversion: '1.0',
        type: 'qbo.invoice.updated.v1',
        intuitentityid: String(invoice.key + 1),
        intuitaccountid: cloud.info.realmId,
      });
    });
  });
});
