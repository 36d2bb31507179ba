import { expect } from 'chai';
import { createRequire } from 'node:module';
import type { Customer } from '../../sandbox/core/world.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';

/*
 * Contract tests of the QuickBooks Online simulator, driven through node-quickbooks (the official Node SDK),
 * pointed at the sandbox only through QuickBooks.V3_ENDPOINT_BASE_URL and QuickBooks.TOKEN_URL / REVOKE_URL.
 */

/** The part of node-quickbooks these tests use (its bundled typings lack the object-form constructor). */
type Method = (...args: unknown[]) => void;
interface QuickBooksClient {
  token: string | null;
  refreshToken: string | null;
  endpoint: string;
  refreshAccessToken: Method;
  revokeAccess: Method;
  getCompanyInfo: Method;
  findCustomers: Method;
  findInvoices: Method;
  findPurchases: Method;
  getCustomer: Method;
  getInvoice: Method;
  getPayment: Method;
  createCustomer: Method;
  updateCustomer: Method;
  createInvoice: Method;
  updateInvoice: Method;
  deleteInvoice: Method;
  createPayment: Method;
  createPurchase: Method;
  changeDataCapture: Method;
}
interface QuickBooksStatic {
  new (config: Record<string, unknown>): QuickBooksClient;
  V3_ENDPOINT_BASE_URL: string;
  TOKEN_URL: string;
  REVOKE_URL: string;
}
type Callback<T> = (err: unknown, data?: T) => void;
type Row = Record<string, unknown>;
type QueryReply = { QueryResponse: Record<string, unknown>; time: string };

const require = createRequire(import.meta.url);
const QuickBooks = require('node-quickbooks') as QuickBooksStatic;

interface QboInfo {
  realmId: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  v3EndpointBaseUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  authorizeUrl: string;
}

/** node-quickbooks' callback API as promises. */
function call<T = Row>(invoke: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, data) => (err ? reject(err) : resolve(data as T))));
}

/** The status and body of a failed SDK call (an axios error for non-2xx replies). */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: Row }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Row } }).response;
    if (response) return { status: response.status, body: response.data };
    return { status: 200, body: error as Row };
  }
  throw new Error('expected the call to fail');
}

function faultCode(body: Row): string | undefined {
  const fault = body.Fault as { Error: Array<{ code: string }> } | undefined;
  return fault?.Error[0]?.code;
}

describe('sandbox: QuickBooks Online simulator via node-quickbooks', function () {
  let running: RunningSandbox;
  let info: QboInfo;

  async function control(path: string, body?: unknown): Promise<Row> {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `control ${path}`).to.be.lessThan(300);
    return (await response.json()) as Row;
  }

  function client(tokens: { accessToken: string; refreshToken: string | null } = info): QuickBooksClient {
    return new QuickBooks({
      consumerKey: info.clientId,
      consumerSecret: info.clientSecret,
      token: tokens.accessToken,
      realmId: info.realmId,
      useSandbox: true,
      oauthversion: '2.0',
      refreshToken: tokens.refreshToken,
      minorversion: 75,
    });
  }

  const world = () => running.sandbox.world;
  const inQbo = (customer: Customer) => !customer.variants.quickbooks?.missing;
  const activeInQbo = () => world().customers.filter((c) => inQbo(c) && !c.deletedAt);

  before(async function () {
    running = await startSandbox({ factories: [createQuickbooksSimulator], port: 0, scale: 'small' });
    const vendors = (await control('/')).vendors as Record<string, QboInfo>;
    info = vendors.quickbooks!;
    QuickBooks.V3_ENDPOINT_BASE_URL = info.v3EndpointBaseUrl;
    QuickBooks.TOKEN_URL = info.tokenUrl;
    QuickBooks.REVOKE_URL = info.revokeUrl;
  });

  after(async function () {
    await running?.close();
  });

  describe('query', function () {
    it('pages through every QBO-visible customer with fetchAll, and count(*) agrees', async function () {
      const qbo = client();
      const all = await call<QueryReply>((cb) => qbo.findCustomers({ fetchAll: true, limit: 10 }, cb));
      const customers = all.QueryResponse.Customer as Row[];
      const expected = activeInQbo();
      expect(expected.length).to.be.greaterThan(10);
      expect(customers).to.have.length(expected.length);
      expect(new Set(customers.map((c) => c.Id))).to.have.property('size', expected.length);
      expect(customers.map((c) => c.Id)).to.deep.equal(expected.map((c) => String(c.key + 1)));

      const counted = await call<QueryReply>((cb) => qbo.findCustomers({ count: true }, cb));
      expect(counted.QueryResponse.totalCount).to.equal(expected.length);
    });

    it('reports startPosition and maxResults = rows returned, and an empty QueryResponse past the end', async function () {
      const qbo = client();
      const page = await call<QueryReply>((cb) => qbo.findCustomers({ limit: 5, offset: 6 }, cb));
      expect(page.QueryResponse.startPosition).to.equal(6);
      expect(page.QueryResponse.maxResults).to.equal(5);
      const ids = (page.QueryResponse.Customer as Row[]).map((c) => c.Id);
      expect(ids).to.deep.equal(
        activeInQbo()
          .slice(5, 10)
          .map((c) => String(c.key + 1)),
      );

      // A short last page reports the rows it holds, not the page size (fetchAll stops on that).
      const total = activeInQbo().length;
      const last = await call<QueryReply>((cb) => qbo.findCustomers({ limit: 10, offset: total - 2 }, cb));
      expect(last.QueryResponse.maxResults).to.equal(3);
      expect(last.QueryResponse.Customer).to.have.length(3);

      const past = await call<QueryReply>((cb) => qbo.findCustomers({ limit: 5, offset: 10_000 }, cb));
      expect(past.QueryResponse).to.deep.equal({});
    });

    it('hides customers QuickBooks has no copy of and shows the QBO-formatted phone', async function () {
      const qbo = client();
      const missing = world().customers.find((c) => !inQbo(c));
      expect(missing, 'the small world has a customer missing in QBO').to.not.equal(undefined);
      const notFound = await failure(call((cb) => qbo.getCustomer(String(missing!.key + 1), cb)));
      expect(notFound.status).to.equal(400);
      expect(faultCode(notFound.body)).to.equal('610');

      const formatted = world().customers.find((c) => c.variants.quickbooks?.phone);
      expect(formatted).to.not.equal(undefined);
      const customer = await call((cb) => qbo.getCustomer(String(formatted!.key + 1), cb));
      expect(customer.PrimaryPhone).to.deep.equal({ FreeFormNumber: formatted!.variants.quickbooks!.phone });
      expect(formatted!.variants.quickbooks!.phone).to.match(/^\(\d{3}\) \d{3}-\d{4}$/);
    });

    it('filters with where clauses (case-insensitive), orders, and rejects unknown properties', async function () {
      const qbo = client();
      const target = activeInQbo()[3]!;
      const name = target.companyName ?? `${target.firstName} ${target.lastName}`;
      const byName = await call<QueryReply>((cb) =>
        qbo.findCustomers([{ field: 'DisplayName', value: name.toUpperCase() }], cb),
      );
      expect((byName.QueryResponse.Customer as Row[]).map((c) => c.Id)).to.include(String(target.key + 1));

      const invoices = world().invoices.filter((i) => !i.deletedAt && inQbo(world().customers[i.customerKey]!));
      const big = invoices.filter((i) => i.total > 50_000).length;
      const filtered = await call<QueryReply>((cb) =>
        qbo.findInvoices("WHERE TotalAmt > '500' ORDERBY TotalAmt DESC MAXRESULTS 1000", cb),
      );
      const rows = (filtered.QueryResponse.Invoice as Row[] | undefined) ?? [];
      expect(rows).to.have.length(big);
      const amounts = rows.map((r) => r.TotalAmt as number);
      expect(amounts).to.deep.equal([...amounts].sort((a, b) => b - a));

      const bad = await failure(call((cb) => qbo.findCustomers([{ field: 'ShoeSize', value: '9' }], cb)));
      expect(bad.status).to.equal(400);
      expect(faultCode(bad.body)).to.equal('4001');
    });

    it('presents invoices, payments and purchases from the world (cents → dollars, ids from keys)', async function () {
      const qbo = client();
      const invoice = world().invoices.find((i) => i.balance > 0 && inQbo(world().customers[i.customerKey]!))!;
      const got = await call((cb) => qbo.getInvoice(String(invoice.key + 1), cb));
      expect(got.TotalAmt).to.equal(invoice.total / 100);
      expect(got.Balance).to.equal(invoice.balance / 100);
      expect(got.DocNumber).to.equal(String(invoice.invoiceNumber));
      expect(got.TxnDate).to.equal(new Date(invoice.issuedAt).toISOString().slice(0, 10));
      expect(got.DueDate).to.equal(new Date(invoice.dueAt).toISOString().slice(0, 10));
      expect(got.SyncToken).to.equal(String(invoice.syncToken));
      expect((got.CustomerRef as Row).value).to.equal(String(invoice.customerKey + 1));
      const lines = got.Line as Row[];
      expect(lines[0]!.DetailType).to.equal('SalesItemLineDetail');
      expect(lines.at(-1)!.DetailType).to.equal('SubTotalLineDetail');

      const payment = world().payments.find((p) => inQbo(world().customers[p.customerKey]!))!;
      const paid = await call((cb) => qbo.getPayment(String(payment.key + 1), cb));
      expect(paid.TotalAmt).to.equal(payment.amount / 100);
      expect((paid.Line as Row[])[0]!.LinkedTxn).to.deep.equal([
        { TxnId: String(payment.invoiceKey + 1), TxnType: 'Invoice' },
      ]);

      const purchases = await call<QueryReply>((cb) => qbo.findPurchases({ fetchAll: true }, cb));
      const expenses = world().expenses.filter((e) => !e.deletedAt);
      expect(purchases.QueryResponse.Purchase).to.have.length(expenses.length);
      const first = (purchases.QueryResponse.Purchase as Row[])[0]!;
      expect(first.TotalAmt).to.equal(expenses[0]!.amount / 100);
      expect(first.PaymentType).to.equal(expenses[0]!.paymentType);
      expect(((first.Line as Row[])[0]!.AccountBasedExpenseLineDetail as Row).AccountRef).to.have.property(
        'name',
        expenses[0]!.category,
      );
    });
  });

  describe('writes', function () {
    it('creates a customer in the world and refuses a duplicate DisplayName (6240)', async function () {
      const qbo = client();
      const before = world().customers.length;
      const created = await call((cb) =>
        qbo.createCustomer(
          {
            DisplayName: 'Zed Quimby Landscaping',
            GivenName: 'Zed',
            FamilyName: 'Quimby',
            CompanyName: 'Zed Quimby Landscaping',
            PrimaryEmailAddr: { Address: 'zed@example.com' },
            PrimaryPhone: { FreeFormNumber: '(512) 555-0199' },
          },
          cb,
        ),
      );
      expect(created.Id).to.equal(String(before + 1));
      expect(created.SyncToken).to.equal('0');
      const record = world().customers[before]!;
      expect(record).to.include({
        firstName: 'Zed',
        lastName: 'Quimby',
        email: 'zed@example.com',
        phone: '+15125550199',
      });
      expect(record.variants.quickbooks?.phone).to.equal('(512) 555-0199');

      const duplicate = await failure(call((cb) => qbo.createCustomer({ DisplayName: 'zed quimby landscaping' }, cb)));
      expect(duplicate.status).to.equal(400);
      expect(faultCode(duplicate.body)).to.equal('6240');
      expect(world().customers).to.have.length(before + 1);
    });

    it('rejects an update with a stale SyncToken (5010) and applies a sparse one with the fresh token', async function () {
      const qbo = client();
      const target = activeInQbo()[1]!;
      const id = String(target.key + 1);
      const current = await call((cb) => qbo.getCustomer(id, cb));
      const token = current.SyncToken as string;

      const updated = await call((cb) => qbo.updateCustomer({ Id: id, SyncToken: token, GivenName: 'Renamed' }, cb));
      expect(updated.SyncToken).to.equal(String(Number(token) + 1));
      expect(updated.GivenName).to.equal('Renamed');
      expect(updated.PrimaryEmailAddr).to.deep.equal(current.PrimaryEmailAddr);
      expect(updated.DisplayName).to.equal(current.DisplayName);
      expect(world().customers[target.key]!.firstName).to.equal('Renamed');

      const stale = await failure(call((cb) => qbo.updateCustomer({ Id: id, SyncToken: token, FamilyName: 'X' }, cb)));
      expect(stale.status).to.equal(400);
      expect(faultCode(stale.body)).to.equal('5010');
      expect((stale.body.Fault as Row).type).to.equal('ValidationFault');
      expect(world().customers[target.key]!.lastName).to.not.equal('X');

      const missing = await failure(call((cb) => qbo.updateCustomer({ Id: '99999', SyncToken: '0' }, cb)));
      expect(faultCode(missing.body)).to.equal('610');
    });

    it('creates, updates and deletes an invoice; a payment lowers its balance and bumps its SyncToken', async function () {
      const qbo = client();
      const customer = activeInQbo()[2]!;
      const invoice = await call((cb) =>
        qbo.createInvoice(
          {
            CustomerRef: { value: String(customer.key + 1) },
            TxnDate: '2025-03-01',
            Line: [
              { Amount: 120.5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } },
              { Amount: 79.5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } },
            ],
          },
          cb,
        ),
      );
      expect(invoice.TotalAmt).to.equal(200);
      expect(invoice.Balance).to.equal(200);
      expect(invoice.DueDate).to.equal('2025-03-31');
      const key = Number(invoice.Id) - 1;
      expect(world().invoices[key]).to.include({ customerKey: customer.key, total: 20_000, balance: 20_000 });

      const payment = await call((cb) =>
        qbo.createPayment(
          {
            CustomerRef: { value: String(customer.key + 1) },
            TotalAmt: 50,
            Line: [{ Amount: 50, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
          },
          cb,
        ),
      );
      expect(payment.TotalAmt).to.equal(50);
      const afterPayment = await call((cb) => qbo.getInvoice(invoice.Id as string, cb));
      expect(afterPayment.Balance).to.equal(150);
      expect(afterPayment.SyncToken).to.equal('1');
      expect(afterPayment.LinkedTxn).to.deep.equal([{ TxnId: payment.Id, TxnType: 'Payment' }]);

      const stale = await failure(
        call((cb) => qbo.updateInvoice({ Id: invoice.Id, SyncToken: '0', DueDate: '2025-05-01' }, cb)),
      );
      expect(faultCode(stale.body)).to.equal('5010');
      const moved = await call((cb) =>
        qbo.updateInvoice({ Id: invoice.Id, SyncToken: afterPayment.SyncToken, DueDate: '2025-05-01' }, cb),
      );
      expect(moved.DueDate).to.equal('2025-05-01');

      const deleted = await call((cb) => qbo.deleteInvoice({ Id: invoice.Id, SyncToken: moved.SyncToken }, cb));
      expect((deleted as { Invoice: Row }).Invoice).to.include({ status: 'Deleted', Id: invoice.Id });
      const gone = await failure(call((cb) => qbo.getInvoice(invoice.Id as string, cb)));
      expect(faultCode(gone.body)).to.equal('610');
    });

    it('creates a purchase as a world expense', async function () {
      const qbo = client();
      const before = world().expenses.length;
      const purchase = await call((cb) =>
        qbo.createPurchase(
          {
            PaymentType: 'CreditCard',
            AccountRef: { value: '41' },
            EntityRef: { value: '50', type: 'Vendor' },
            TxnDate: '2025-02-02',
            Line: [
              {
                Amount: 42.1,
                DetailType: 'AccountBasedExpenseLineDetail',
                AccountBasedExpenseLineDetail: { AccountRef: { value: '61' } },
              },
            ],
          },
          cb,
        ),
      );
      expect(purchase.Id).to.equal(String(before + 1));
      expect(world().expenses[before]).to.include({
        payee: 'Home Depot',
        category: 'Fuel',
        paymentType: 'CreditCard',
        amount: 4210,
      });
      const missingType = await failure(
        call((cb) => qbo.createPurchase({ AccountRef: { value: '41' }, Line: [] }, cb)),
      );
      expect(faultCode(missingType.body)).to.equal('2020');
    });
  });

  describe('change data capture', function () {
    it('returns changed objects and a control-API deletion as status "Deleted"', async function () {
      const qbo = client();
      // node-quickbooks sends changedSince with whole seconds: start on a fresh second so earlier tests' writes
      // stay out of the window.
      await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));
      const since = new Date();
      const invoice = world().invoices.find((i) => !i.deletedAt && inQbo(world().customers[i.customerKey]!))!;
      const customer = activeInQbo()[5]!;
      await control('/mutate', { entity: 'invoice', action: 'delete', key: invoice.key });
      await control('/mutate', {
        entity: 'customer',
        action: 'update',
        key: customer.key,
        changes: { lastName: 'Cdc' },
      });

      const reply = await call<{ CDCResponse: Array<{ QueryResponse: Row[] }> }>((cb) =>
        qbo.changeDataCapture(['Invoice', 'Customer'], since, cb),
      );
      const [invoices, customers] = reply.CDCResponse[0]!.QueryResponse;
      expect(invoices!.Invoice as Row[]).to.deep.include({
        status: 'Deleted',
        domain: 'QBO',
        Id: String(invoice.key + 1),
        MetaData: { LastUpdatedTime: (invoices!.Invoice as Array<{ MetaData: Row }>)[0]!.MetaData.LastUpdatedTime },
      });
      const changed = customers!.Customer as Row[];
      expect(changed.map((c) => c.Id)).to.deep.equal([String(customer.key + 1)]);
      expect(changed[0]!.FamilyName).to.equal('Cdc');
      expect(changed[0]!.SyncToken).to.equal('1');

      const tooOld = await failure(
        call((cb) => qbo.changeDataCapture('Customer', new Date(Date.now() - 31 * 86_400_000), cb)),
      );
      expect(tooOld.status).to.equal(400);
      expect(tooOld.body).to.have.property('Fault');
    });
  });

  describe('OAuth', function () {
    it('refreshes with rotation; an expired access token (authFault) gets 401 / 3200 until refreshed', async function () {
      const first = await call((cb) => {
        const qbo = client();
        qbo.refreshAccessToken(cb as Callback<unknown>);
      });
      expect(first).to.include.keys('access_token', 'refresh_token', 'expires_in', 'x_refresh_token_expires_in');
      expect(first.token_type).to.equal('bearer');
      expect(first.expires_in).to.equal(3600);
      expect(first.refresh_token).to.not.equal(info.refreshToken);

      const qbo = client({ accessToken: first.access_token as string, refreshToken: first.refresh_token as string });
      await call((cb) => qbo.getCompanyInfo(info.realmId, cb));

      // The published refresh token was rotated away: using it again fails.
      const reused = await failure(call((cb) => client().refreshAccessToken(cb as Callback<unknown>)));
      expect(reused.status).to.equal(400);
      expect(reused.body).to.deep.equal({ error: 'invalid_grant' });

      await control('/faults', { vendor: 'quickbooks', auth: 'token_expiry_now' });
      const expired = await failure(call((cb) => qbo.findCustomers({ limit: 1 }, cb)));
      expect(expired.status).to.equal(401);
      const fault = expired.body.fault as { error: Array<Row>; type: string };
      expect(fault.error[0]).to.include({ code: '3200' });
      expect(fault.type).to.equal('AUTHENTICATION');

      const oldToken = qbo.token;
      await call((cb) => qbo.refreshAccessToken(cb as Callback<unknown>));
      expect(qbo.token).to.not.equal(oldToken);
      const page = await call<QueryReply>((cb) => qbo.findCustomers({ limit: 1 }, cb));
      expect(page.QueryResponse.maxResults).to.equal(1);

      await control('/faults', { vendor: 'quickbooks', auth: 'refresh_token_revoked' });
      const revoked = await failure(call((cb) => qbo.refreshAccessToken(cb as Callback<unknown>)));
      expect(revoked.status).to.equal(400);
      expect(revoked.body).to.deep.equal({ error: 'invalid_grant' });
    });

    it('runs the authorization-code flow and revokes one connection without touching others', async function () {
      const redirectUri = 'http://127.0.0.1:9/callback';
      const consent = await fetch(
        `${info.authorizeUrl}?client_id=${info.clientId}&response_type=code&scope=com.intuit.quickbooks.accounting&state=xyz&redirect_uri=${encodeURIComponent(redirectUri)}`,
        { redirect: 'manual' },
      );
      expect(consent.status).to.equal(302);
      const location = new URL(consent.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('xyz');
      expect(location.searchParams.get('realmId')).to.equal(info.realmId);
      const code = location.searchParams.get('code')!;

      const exchange = (secret: string) =>
        fetch(info.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${info.clientId}:${secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
        });
      const wrongSecret = await exchange('nope');
      expect(wrongSecret.status).to.equal(401);
      expect(await wrongSecret.json()).to.deep.equal({ error: 'invalid_client' });
      const ok = await exchange(info.clientSecret);
      expect(ok.status).to.equal(200);
      const grantA = (await ok.json()) as Row;
      const again = await exchange(info.clientSecret);
      expect(again.status).to.equal(400);

      const b = await call((cb) => client().refreshAccessToken(cb as Callback<unknown>)).catch(() => null);
      // The published grant may already be revoked by the previous test; make a fresh one the same way.
      const other = b ?? (await newGrant(info, redirectUri));

      const qboA = client({ accessToken: grantA.access_token as string, refreshToken: grantA.refresh_token as string });
      await call((cb) => qboA.revokeAccess(true, cb));
      expect(qboA.token).to.equal(null);
      const afterRevoke = await failure(
        call((cb) =>
          client({ accessToken: grantA.access_token as string, refreshToken: null }).findCustomers({ limit: 1 }, cb),
        ),
      );
      expect(afterRevoke.status).to.equal(401);
      const qboB = client({ accessToken: other.access_token as string, refreshToken: other.refresh_token as string });
      await call((cb) => qboB.getCompanyInfo(info.realmId, cb));
    });
  });

  async function newGrant(qbo: QboInfo, redirectUri: string): Promise<Row> {
    const consent = await fetch(
      `${qbo.authorizeUrl}?client_id=${qbo.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}`,
      { redirect: 'manual' },
    );
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const response = await fetch(qbo.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${qbo.clientId}:${qbo.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
    });
    return (await response.json()) as Row;
  }
});
