import { expect } from 'chai';
import { isVendorError, VendorError, type VendorErrorKind } from '../../integrations/core/errors.js';
import type { OAuthCredentials, TokenSource } from '../../integrations/core/tokens.js';
import {
  createQuickbooksClient,
  type QuickbooksClient,
  type QuickbooksResource,
} from '../../integrations/quickbooks/client.js';
import { createQuickbooksOAuth, type QuickbooksOAuth } from '../../integrations/quickbooks/oauth.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createQuickbooksSimulator, quickbooksSimulatorFactory } from '../../sandbox/vendors/quickbooks/index.js';
import { displayName, inQuickbooks, qboEmail } from '../../sandbox/vendors/quickbooks/views.js';

/*
 * The QuickBooks service client against the sandbox's QBO simulator over real HTTP: node-quickbooks pointed at it
 * through the client's v3 endpoint option, OAuth through plain HTTP, faults through the control API.
 */

interface QboInfo {
  baseUrl: string;
  realmId: string;
  clientId: string;
  clientSecret: string;
  v3EndpointBaseUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  authorizeUrl: string;
}

type Row = Record<string, unknown>;
const REDIRECT_URI = 'https://app.example.test/oauth/quickbooks/callback';

/** What the activity layer will do per connection, in memory: refresh once per refused token, keep the rotation. */
class MemoryTokens implements TokenSource {
  refreshes = 0;
  constructor(
    public credentials: OAuthCredentials,
    private readonly oauth: QuickbooksOAuth,
  ) {}

  async accessToken(): Promise<string> {
    return this.credentials.accessToken;
  }

  async refresh(rejected: string): Promise<string> {
    if (rejected !== this.credentials.accessToken) return this.credentials.accessToken;
    this.refreshes += 1;
    this.credentials = await this.oauth.refreshCredentials(this.credentials.refreshToken ?? '');
    return this.credentials.accessToken;
  }
}

async function failure(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(VendorError);
    return error as VendorError;
  }
  throw new Error('expected the call to fail');
}

async function expectKind(promise: Promise<unknown>, kind: VendorErrorKind): Promise<VendorError> {
  const error = await failure(promise);
  expect(error.kind, error.message).to.equal(kind);
  return error;
}

/** Every page of a full listing. */
async function listAll(client: QuickbooksClient, resource: QuickbooksResource, pageSize: number) {
  const items: Array<{ externalId: string } & Row> = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.list(resource, { pageSize, ...(cursor ? { cursor } : {}) });
    items.push(...(page.items as unknown as Array<{ externalId: string } & Row>));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

describe('integrations: QuickBooks client against the sandbox', function () {
  let running: RunningSandbox;
  let info: QboInfo;
  let oauth: QuickbooksOAuth;

  async function control(path: string, body?: unknown): Promise<Row> {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `control ${path}`).to.be.lessThan(300);
    return (await response.json()) as Row;
  }

  const fault = (rule: Row) => control('/faults', { vendor: 'quickbooks', ...rule });

  /** A fresh connection through the consent redirect, so tests do not share (rotating) tokens. */
  async function connect(): Promise<{ tokens: MemoryTokens; realmId: string }> {
    const response = await fetch(oauth.authorizeUrl({ redirectUri: REDIRECT_URI, state: 'st-1' }), {
      redirect: 'manual',
    });
    expect(response.status).to.equal(302);
    const back = new URL(response.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).to.equal(REDIRECT_URI);
    expect(back.searchParams.get('state')).to.equal('st-1');
    const realmId = back.searchParams.get('realmId') ?? '';
    const connection = await oauth.exchangeCode({
      code: back.searchParams.get('code') ?? '',
      redirectUri: REDIRECT_URI,
      realmId,
    });
    expect(connection.account.externalAccountId).to.equal(info.realmId);
    return { tokens: new MemoryTokens(connection.credentials, oauth), realmId };
  }

  function clientFor(tokens: TokenSource | string, extra: Row = {}): QuickbooksClient {
    return createQuickbooksClient({
      realmId: info.realmId,
      tokens,
      v3EndpointBaseUrl: info.v3EndpointBaseUrl,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      ...extra,
    });
  }

  const world = () => running.sandbox.world;
  const customerInQbo = (key: number) => inQuickbooks(world().customers[key]);

  before(async function () {
    running = await startSandbox({ factories: [createQuickbooksSimulator], port: 0, scale: 'small' });
    info = ((await control('/')).vendors as Record<string, QboInfo>).quickbooks!;
    oauth = createQuickbooksOAuth({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      authorizeUrl: info.authorizeUrl,
      tokenUrl: info.tokenUrl,
      revokeUrl: info.revokeUrl,
    });
  });

  after(async function () {
    await running?.close();
  });

  afterEach(async function () {
    await fetch(`${running.controlUrl}/_sandbox/faults`, { method: 'DELETE' });
  });

  describe('OAuth', function () {
    it('builds the consent URL, follows the redirect and exchanges the code for working credentials', async function () {
      const url = new URL(oauth.authorizeUrl({ redirectUri: REDIRECT_URI, state: 'xyz' }));
      expect(url.searchParams.get('client_id')).to.equal(info.clientId);
      expect(url.searchParams.get('response_type')).to.equal('code');
      expect(url.searchParams.get('scope')).to.equal('com.intuit.quickbooks.accounting');

      const { tokens, realmId } = await connect();
      expect(realmId).to.equal(info.realmId);
      expect(tokens.credentials.refreshToken).to.be.a('string').with.length.greaterThan(0);
      expect(tokens.credentials.expiresAt).to.be.greaterThan(Date.now());
      const client = clientFor(tokens);
      expect(await client.healthCheck()).to.equal(true);
      expect(await client.companyName()).to.equal('Sandbox Field Services');
    });

    it('returns the rotated refresh token, and reports a dead one as auth_revoked', async function () {
      const { tokens } = await connect();
      const first = tokens.credentials.refreshToken!;
      const refreshed = await oauth.refreshCredentials(first);
      expect(refreshed.refreshToken).to.be.a('string').and.not.equal(first);
      expect(refreshed.accessToken).to.not.equal(tokens.credentials.accessToken);
      const error = await expectKind(oauth.refreshCredentials(first), 'auth_revoked');
      expect(error.details.code).to.equal('invalid_grant');
    });
  });

  describe('full listing', function () {
    let client: QuickbooksClient;
    before(async function () {
      client = clientFor((await connect()).tokens);
    });

    it('pages through every customer QBO has, inactive ones included', async function () {
      const gone = world().customers.find((c) => inQuickbooks(c) && !c.deletedAt)!;
      await control('/mutate', { entity: 'customer', action: 'delete', key: gone.key });
      const { items, pages } = await listAll(client, 'customers', 7);
      const expected = world().customers.filter((c) => inQuickbooks(c));
      expect(expected.length).to.be.lessThan(world().customers.length);
      expect(items.find((c) => c.externalId === String(gone.key + 1))).to.include({
        active: false,
        displayName: `${displayName({ ...gone, deletedAt: null })} (deleted)`,
      });
      expect(pages).to.be.greaterThan(2);
      expect(items.map((c) => c.externalId)).to.deep.equal(expected.map((c) => String(c.key + 1)));
      for (const customer of expected.slice(0, 10)) {
        const record = items.find((c) => c.externalId === String(customer.key + 1))!;
        expect(record).to.include({
          displayName: displayName(customer),
          email: qboEmail(customer),
          firstName: customer.firstName,
          lastName: customer.lastName,
          active: !customer.deletedAt,
          updatedAt: new Date(Math.floor(customer.updatedAt / 1000) * 1000).toISOString(),
        });
        expect(record.address).to.deep.include({ city: customer.address.city });
      }
    });

    it('pages through invoices, payments and expenses with amounts as decimal strings', async function () {
      const invoices = await listAll(client, 'invoices', 25);
      const expectedInvoices = world().invoices.filter((i) => !i.deletedAt && customerInQbo(i.customerKey));
      expect(invoices.items.map((i) => i.externalId)).to.deep.equal(expectedInvoices.map((i) => String(i.key + 1)));
      const sample = expectedInvoices[3]!;
      expect(invoices.items.find((i) => i.externalId === String(sample.key + 1))).to.include({
        customerExternalId: String(sample.customerKey + 1),
        invoiceNumber: String(sample.invoiceNumber),
        total: (sample.total / 100).toFixed(2),
        balance: (sample.balance / 100).toFixed(2),
        issuedAt: new Date(sample.issuedAt).toISOString().slice(0, 10),
      });

      const payments = await listAll(client, 'payments', 25);
      const expectedPayments = world().payments.filter((p) => !p.deletedAt && customerInQbo(p.customerKey));
      expect(payments.items.map((p) => p.externalId)).to.deep.equal(expectedPayments.map((p) => String(p.key + 1)));
      const payment = expectedPayments[0]!;
      expect(payments.items[0]).to.include({
        amount: (payment.amount / 100).toFixed(2),
        invoiceExternalId: String(payment.invoiceKey + 1),
        customerExternalId: String(payment.customerKey + 1),
      });

      const expenses = await listAll(client, 'expenses', 25);
      const expectedExpenses = world().expenses.filter((e) => !e.deletedAt);
      expect(expenses.items.map((e) => e.externalId)).to.deep.equal(expectedExpenses.map((e) => String(e.key + 1)));
      const expense = expectedExpenses[0]!;
      expect(expenses.items[0]).to.include({
        payee: expense.payee,
        category: expense.category,
        paymentType: expense.paymentType,
        amount: (expense.amount / 100).toFixed(2),
      });
    });

    it('reads one record by id, and null for an id QBO does not have', async function () {
      const invoice = world().invoices.find((i) => !i.deletedAt && customerInQbo(i.customerKey))!;
      const record = await client.get('invoices', String(invoice.key + 1));
      expect(record).to.include({ externalId: String(invoice.key + 1), total: (invoice.total / 100).toFixed(2) });
      expect(await client.get('customers', '999999')).to.equal(null);
      expect(await client.get('expenses', '999999')).to.equal(null);
    });
  });

  describe('incremental sync (CDC)', function () {
    it('reports exactly the changes since the checkpoint, then nothing', async function () {
      const client = clientFor((await connect()).tokens);
      const start = {
        customers: (await client.changes('customers')).checkpoint!,
        invoices: (await client.changes('invoices')).checkpoint!,
        expenses: (await client.changes('expenses')).checkpoint!,
      };
      const plain = world().customers.filter((c) => !c.deletedAt && !c.variants.quickbooks);
      const [updated, removed] = [plain[0]!, plain[1]!];
      const liveInvoices = world().invoices.filter((i) => !i.deletedAt && customerInQbo(i.customerKey));
      const [paid, voided] = [liveInvoices[0]!, liveInvoices[1]!];
      const expense = world().expenses.find((e) => !e.deletedAt)!;

      const mutate = async (body: Row) => ((await control('/mutate', body)).change as { key: number }).key;
      const created = await mutate({
        entity: 'customer',
        action: 'create',
        changes: { firstName: 'Zed', lastName: 'Quux' },
      });
      await mutate({ entity: 'customer', action: 'update', key: updated.key, changes: { firstName: 'Renamed' } });
      await mutate({ entity: 'customer', action: 'delete', key: removed.key });
      const newInvoice = await mutate({ entity: 'invoice', action: 'create', changes: { customerKey: updated.key } });
      await mutate({ entity: 'invoice', action: 'update', key: paid.key, changes: { balance: 0, status: 'paid' } });
      await mutate({ entity: 'invoice', action: 'delete', key: voided.key });
      await mutate({ entity: 'expense', action: 'delete', key: expense.key });

      const customers = await client.changes('customers', { checkpoint: start.customers });
      const byId = new Map(customers.items.map((c) => [c.externalId, c]));
      expect([...byId.keys()].sort()).to.deep.equal(
        [created, updated.key, removed.key].map((k) => String(k + 1)).sort(),
      );
      expect(byId.get(String(updated.key + 1))).to.include({ firstName: 'Renamed', active: true });
      expect(byId.get(String(removed.key + 1))).to.include({ active: false });
      expect(byId.get(String(created + 1))).to.include({ firstName: 'Zed', lastName: 'Quux' });
      expect(customers.deletedIds).to.deep.equal([]);
      expect(customers.nextCursor).to.equal(null);

      const invoices = await client.changes('invoices', { checkpoint: start.invoices });
      expect(invoices.items.map((i) => i.externalId).sort()).to.deep.equal(
        [newInvoice, paid.key].map((k) => String(k + 1)).sort(),
      );
      expect(invoices.items.find((i) => i.externalId === String(paid.key + 1))).to.include({
        status: 'paid',
        balance: '0.00',
      });
      expect(invoices.deletedIds).to.deep.equal([String(voided.key + 1)]);

      const expenses = await client.changes('expenses', { checkpoint: start.expenses });
      expect(expenses.items).to.deep.equal([]);
      expect(expenses.deletedIds).to.deep.equal([String(expense.key + 1)]);

      for (const [resource, page] of [
        ['customers', customers],
        ['invoices', invoices],
        ['expenses', expenses],
      ] as const) {
        const again = await client.changes(resource, { checkpoint: page.checkpoint! });
        expect(again.items, resource).to.deep.equal([]);
        expect(again.deletedIds, resource).to.deep.equal([]);
        expect(Date.parse(again.checkpoint!)).to.be.at.least(Date.parse(page.checkpoint!));
      }
    });

    it('asks for a resync when the checkpoint is past the 30-day look-back', async function () {
      const client = clientFor((await connect()).tokens);
      const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
      await expectKind(client.changes('invoices', { checkpoint: old }), 'resync_required');
      const recent = new Date(Date.now() - 29 * 86_400_000).toISOString();
      expect((await client.changes('payments', { checkpoint: recent })).nextCursor).to.equal(null);
    });
  });

  describe('tokens', function () {
    it('refreshes once when the token expires mid-listing, keeping the rotated refresh token', async function () {
      const { tokens } = await connect();
      const client = clientFor(tokens);
      const first = await client.list('customers', { pageSize: 5 });
      const before = tokens.credentials;
      await fault({ auth: 'token_expiry_now' });
      const second = await client.list('customers', { pageSize: 5, cursor: first.nextCursor! });
      expect(second.items).to.have.length(5);
      expect(second.items[0]!.externalId).to.not.equal(first.items[0]!.externalId);
      expect(tokens.refreshes).to.equal(1);
      expect(tokens.credentials.refreshToken).to.not.equal(before.refreshToken);
      await client.list('customers', { pageSize: 5 });
      expect(tokens.refreshes).to.equal(1);
    });

    it('reports a revoked refresh token as auth_revoked, and healthCheck as false', async function () {
      const { tokens } = await connect();
      const client = clientFor(tokens);
      await fault({ auth: 'refresh_token_revoked' });
      await fault({ auth: 'token_expiry_now' });
      await expectKind(client.list('invoices'), 'auth_revoked');
      expect(tokens.refreshes).to.equal(1);
      expect(await client.healthCheck()).to.equal(false);
    });

    it('reports a refused token with no way to refresh as auth_expired (3200, 401)', async function () {
      const error = await expectKind(clientFor('not-a-token').list('customers'), 'auth_expired');
      expect(error.details).to.include({ status: 401, code: '3200' });
      expect(error.retryable).to.equal(true);
    });
  });

  describe('failures', function () {
    let client: QuickbooksClient;
    before(async function () {
      client = clientFor((await connect()).tokens, { requestTimeoutMs: 500 });
    });

    it('maps an injected 500 SystemFault to transient, and the next call succeeds', async function () {
      await fault({ errorRate: 1, times: 1 });
      const error = await expectKind(client.list('customers', { pageSize: 3 }), 'transient');
      expect(error.details).to.include({ status: 500, code: '10000' });
      expect((await client.list('customers', { pageSize: 3 })).items).to.have.length(3);
    });

    it('maps throttling (429, 3001) to rate_limited with Intuit’s 60 s pause', async function () {
      await fault({ throttleRate: 1, times: 1, endpoint: '/cdc' });
      const error = await expectKind(
        client.changes('customers', { checkpoint: new Date(Date.now() - 60_000).toISOString() }),
        'rate_limited',
      );
      expect(error.details).to.include({ status: 429, code: '3001', retryAfterMs: 60_000 });
    });

    it('maps a 200 reply that is not JSON to transient, for queries, reads and CDC', async function () {
      await fault({ malformedRate: 1, times: 3 });
      await expectKind(client.list('payments'), 'transient');
      await expectKind(client.get('customers', '1'), 'transient');
      await expectKind(client.changes('invoices', { checkpoint: new Date().toISOString() }), 'transient');
    });

    it('gives up on a request that hangs past the timeout as transient', async function () {
      await fault({ hang: true, times: 1 });
      const error = await expectKind(client.get('customers', '1'), 'transient');
      expect(error.message).to.match(/no reply within 500 ms/);
    });

    it('reports a dead server as transient', async function () {
      const dead = createQuickbooksClient({
        realmId: info.realmId,
        tokens: 'x',
        v3EndpointBaseUrl: 'http://127.0.0.1:9/v3/company/',
      });
      const error = await expectKind(dead.list('customers'), 'transient');
      expect(error.details.code).to.equal('ECONNREFUSED');
    });

    it('rejects a bad cursor as validation', async function () {
      await expectKind(client.list('customers', { cursor: 'abc' }), 'validation');
    });
  });

  describe('real per-realm throttle', function () {
    let small: RunningSandbox;
    after(async function () {
      await small?.close();
    });

    it('turns the simulator’s own 429 into rate_limited', async function () {
      small = await startSandbox({
        factories: [quickbooksSimulatorFactory({ requestsPerMinute: 2 })],
        port: 0,
        scale: 'small',
      });
      const vendors = (await (await fetch(`${small.controlUrl}/_sandbox`)).json()) as {
        vendors: Record<string, QboInfo & { accessToken: string }>;
      };
      const qbo = vendors.vendors.quickbooks!;
      const client = createQuickbooksClient({
        realmId: qbo.realmId,
        tokens: qbo.accessToken,
        v3EndpointBaseUrl: qbo.v3EndpointBaseUrl,
      });
      await client.list('customers', { pageSize: 1 });
      await client.list('customers', { pageSize: 1 });
      const error = await expectKind(client.list('customers', { pageSize: 1 }), 'rate_limited');
      expect(error.details.retryAfterMs).to.be.greaterThan(0);
      expect(isVendorError(error, 'rate_limited') && error.retryable).to.equal(true);
    });
  });
});
