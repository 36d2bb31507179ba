import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Expense, Invoice, Job, Payment } from '../../db/entities/index.js';
import { todayUtc } from '../../api/routes/finances/ranges.js';
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

/** Days from today (UTC), YYYY-MM-DD: overdue depends on today. */
function daysFromToday(days: number): string {
  return todayUtc(new Date(Date.now() + days * 86_400_000));
}

describe('/api/finances lists (real PostgreSQL)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let admin: string;
  let viewer: string;
  let user: string;
  const run = randomUUID().slice(0, 8);
  const ids: Record<string, string> = {};

  async function get(path: string, token = admin): Promise<Reply> {
    return api.call(path, { token });
  }

  /** Every page of a list, following nextCursor; fails on a repeated row. */
  async function walk(path: string): Promise<{ rows: Json[]; pages: number }> {
    const rows: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const reply = await get(`${path}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status, reply.text).to.equal(200);
      rows.push(...(reply.body.data as Json[]));
      cursor = reply.body.page.nextCursor as string | null;
      pages += 1;
    } while (cursor && pages < 50);
    expect(new Set(rows.map((row) => row.id)).size).to.equal(rows.length);
    return { rows, pages };
  }

  before(async () => {
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;

    const em = getHarness().orm.em.fork();
    const client = em.create(Client, { name: `Finance lists ${run}` });
    const other = em.create(Client, { name: `Finance lists other ${run}` });
    const job = em.create(Job, { title: `Finance job ${run}`, status: 'active', client });
    await em.flush();
    Object.assign(ids, { client: client.id, other: other.id, job: job.id });

    // createdAt one minute apart, so the default order (-createdAt) is known: inv-5 is the newest.
    const base = Date.parse('2030-01-01T00:00:00Z');
    const invoice = (n: number, fields: Partial<Record<string, unknown>>) =>
      em.create(Invoice, {
        vendor: 'quickbooks',
        externalId: `fin-${run}-inv-${n}`,
        number: `INV-${run}-${n}`,
        status: 'open',
        total: '100.00',
        balance: '100.00',
        client,
        createdAt: new Date(base + n * 60_000),
        ...fields,
      } as never);
    const invoices = [
      invoice(1, {
        status: 'paid',
        total: '250.00',
        balance: '0.00',
        issuedOn: '2030-01-10',
        dueOn: daysFromToday(-40),
        job,
      }),
      invoice(2, {
        status: 'open',
        total: '120.50',
        balance: '120.50',
        issuedOn: '2030-02-10',
        dueOn: daysFromToday(-5),
      }),
      invoice(3, {
        status: 'awaiting_payment',
        total: '120.50',
        balance: '60.00',
        issuedOn: '2030-03-10',
        dueOn: daysFromToday(10),
      }),
      invoice(4, {
        status: 'void',
        total: '80.00',
        balance: '80.00',
        issuedOn: '2030-03-20',
        dueOn: daysFromToday(-30),
      }),
      invoice(5, {
        status: 'past_due',
        number: `INV-${run}-5%_`,
        total: '120.50',
        balance: '20.00',
        issuedOn: '2030-04-01',
        dueOn: daysFromToday(-1),
      }),
      invoice(6, { status: 'open', issuedOn: '2030-04-02', deletedAt: new Date() }),
      invoice(7, { client: other, issuedOn: '2030-04-03' }),
    ];
    await em.flush();
    invoices.forEach((row, index) => (ids[`inv${index + 1}`] = row.id));

    const payment = (n: number, fields: Partial<Record<string, unknown>>) =>
      em.create(Payment, {
        vendor: 'quickbooks',
        externalId: `fin-${run}-pay-${n}`,
        number: `PAY-${run}-${n}`,
        status: 'received',
        amount: '10.00',
        client,
        createdAt: new Date(base + n * 60_000),
        ...fields,
      } as never);
    const payments = [
      payment(1, { amount: '250.00', invoice: invoices[0], paidOn: '2030-01-20', method: 'card' }),
      payment(2, { amount: '60.50', invoice: invoices[2], paidOn: '2030-03-15', method: 'check' }),
      payment(3, { amount: '40.00', invoice: invoices[2], paidOn: '2030-04-15', method: 'card' }),
      payment(4, { amount: '5.00', paidOn: '2030-04-16', deletedAt: new Date() }),
    ];
    const expense = (n: number, fields: Partial<Record<string, unknown>>) =>
      em.create(Expense, {
        vendor: 'quickbooks',
        externalId: `fin-${run}-exp-${n}`,
        number: `EXP-${run}-${n}`,
        status: 'paid',
        amount: '10.00',
        client,
        createdAt: new Date(base + n * 60_000),
        ...fields,
      } as never);
    const expenses = [
      expense(1, {
        amount: '99.99',
        category: `Fuel ${run}`,
        payeeName: `Shell ${run}`,
        incurredOn: '2030-01-05',
        job,
      }),
      expense(2, {
        amount: '15.00',
        category: `Materials ${run}`,
        payeeName: `Acme ${run} Supply`,
        incurredOn: '2030-02-05',
      }),
      expense(3, { amount: '7.25', category: `Fuel ${run}`, payeeName: `BP ${run}`, incurredOn: '2030-03-05' }),
      expense(4, { amount: '1.00', category: `Fuel ${run}`, incurredOn: '2030-03-06', deletedAt: new Date() }),
    ];
    await em.flush();
    payments.forEach((row, index) => (ids[`pay${index + 1}`] = row.id));
    expenses.forEach((row, index) => (ids[`exp${index + 1}`] = row.id));
  });

  after(async () => {
    await api?.close();
  });

  const idsOf = (reply: Reply) => (reply.body.data as Json[]).map((row) => row.id as string);

  describe('GET /api/finances/invoices', () => {
    it("lists one client's invoices newest first, without soft-deleted ones, money as decimal strings", async () => {
      const reply = await get(`/api/finances/invoices?clientId=${ids.client}`);
      expect(reply.status, reply.text).to.equal(200);
      expect(idsOf(reply)).to.deep.equal([ids.inv5, ids.inv4, ids.inv3, ids.inv2, ids.inv1]);
      expect(reply.body.page).to.deep.equal({ limit: 25, nextCursor: null });
      expect(reply.body.data[4]).to.deep.include({
        number: `INV-${run}-1`,
        status: 'paid',
        clientId: ids.client,
        jobId: ids.job,
        total: '250.00',
        balance: '0.00',
        currency: 'USD',
        issuedOn: '2030-01-10',
        vendor: 'quickbooks',
        externalId: `fin-${run}-inv-1`,
        createdAt: '2030-01-01T00:01:00.000Z',
      });
    });

    it('filters by one or several statuses, the issue date range, the job and the number', async () => {
      const one = await get(`/api/finances/invoices?clientId=${ids.client}&status=open`);
      expect(idsOf(one)).to.deep.equal([ids.inv2]);
      const several = await get(`/api/finances/invoices?clientId=${ids.client}&status=open&status=paid`);
      expect(idsOf(several)).to.deep.equal([ids.inv2, ids.inv1]);
      const range = await get(`/api/finances/invoices?clientId=${ids.client}&from=2030-02-10&to=2030-03-20`);
      expect(idsOf(range)).to.deep.equal([ids.inv4, ids.inv3, ids.inv2]);
      const job = await get(`/api/finances/invoices?jobId=${ids.job}`);
      expect(idsOf(job)).to.deep.equal([ids.inv1]);
      // % and _ are literal characters of the search, not wildcards.
      const literal = await get(`/api/finances/invoices?q=${encodeURIComponent(`${run}-5%_`)}`);
      expect(idsOf(literal)).to.deep.equal([ids.inv5]);
      const wildcard = await get(`/api/finances/invoices?q=${encodeURIComponent(`${run}-_`)}`);
      expect(idsOf(wildcard)).to.deep.equal([]);
      const substring = await get(
        `/api/finances/invoices?q=${encodeURIComponent(`inv-${run}-`)}&clientId=${ids.other}`,
      );
      expect(idsOf(substring)).to.deep.equal([ids.inv7]);
    });

    it('overdue=true: due before today with a balance, not paid or void', async () => {
      const reply = await get(`/api/finances/invoices?clientId=${ids.client}&overdue=true`);
      expect(reply.status, reply.text).to.equal(200);
      expect(idsOf(reply)).to.deep.equal([ids.inv5, ids.inv2]);
    });

    it('walks every page exactly once, by creation and by amount (ties broken by id)', async () => {
      const byCreation = await walk(`/api/finances/invoices?clientId=${ids.client}&limit=2`);
      expect(byCreation.pages).to.equal(3);
      expect(byCreation.rows.map((row) => row.id)).to.deep.equal([ids.inv5, ids.inv4, ids.inv3, ids.inv2, ids.inv1]);

      const byTotal = await walk(`/api/finances/invoices?clientId=${ids.client}&limit=2&sort=-total`);
      expect(byTotal.rows.map((row) => row.total)).to.deep.equal(['250.00', '120.50', '120.50', '120.50', '80.00']);
      const tied = [ids.inv2, ids.inv3, ids.inv5].sort().reverse();
      expect(byTotal.rows.slice(1, 4).map((row) => row.id)).to.deep.equal(tied);

      const ascending = await walk(`/api/finances/invoices?clientId=${ids.client}&limit=1&sort=balance`);
      expect(ascending.pages).to.equal(5);
      expect(ascending.rows.map((row) => row.balance)).to.deep.equal(['0.00', '20.00', '60.00', '80.00', '120.50']);
    });

    it('answers 400 with the field path for bad dates, reversed ranges, unknown sorts and foreign cursors', async () => {
      const badDate = await get('/api/finances/invoices?from=2030-02-30');
      expectError(badDate, 400, 'validation_failed');
      expect(badDate.body.error.details).to.deep.include({
        location: 'query',
        path: '/from',
        message: 'must match format "date"',
      });

      const reversed = await get('/api/finances/invoices?from=2030-03-01&to=2030-02-01');
      expectError(reversed, 400, 'validation_failed');
      expect(reversed.body.error.details).to.deep.equal([
        { location: 'query', path: '/from', message: 'must be on or before to' },
      ]);

      const sort = await get('/api/finances/invoices?sort=issuedOn');
      expectError(sort, 400, 'validation_failed');
      expect(sort.body.error.details[0].path).to.equal('/sort');

      const overdue = await get('/api/finances/invoices?overdue=maybe');
      expect(overdue.body.error.details[0].path).to.equal('/overdue');

      const first = await get(`/api/finances/invoices?clientId=${ids.client}&limit=1`);
      const foreign = await get(
        `/api/finances/invoices?clientId=${ids.client}&sort=total&cursor=${first.body.page.nextCursor}`,
      );
      expectError(foreign, 400, 'validation_failed');
      expect(foreign.body.error.details[0].path).to.equal('/cursor');
    });
  });

  describe('GET /api/finances/payments', () => {
    it('filters by client, invoice, payment date and method; sorts by amount; skips soft-deleted', async () => {
      const all = await get(`/api/finances/payments?clientId=${ids.client}`);
      expect(all.status, all.text).to.equal(200);
      expect(idsOf(all)).to.deep.equal([ids.pay3, ids.pay2, ids.pay1]);
      expect(all.body.data[2]).to.deep.include({
        invoiceId: ids.inv1,
        clientId: ids.client,
        amount: '250.00',
        method: 'card',
        paidOn: '2030-01-20',
        status: 'received',
      });
      expect(idsOf(await get(`/api/finances/payments?invoiceId=${ids.inv3}`))).to.deep.equal([ids.pay3, ids.pay2]);
      const range = await get(`/api/finances/payments?clientId=${ids.client}&from=2030-03-15&to=2030-04-30`);
      expect(idsOf(range)).to.deep.equal([ids.pay3, ids.pay2]);
      expect(idsOf(await get(`/api/finances/payments?clientId=${ids.client}&method=card&sort=amount`))).to.deep.equal([
        ids.pay3,
        ids.pay1,
      ]);
      const walked = await walk(`/api/finances/payments?clientId=${ids.client}&limit=2&sort=-amount`);
      expect(walked.rows.map((row) => row.amount)).to.deep.equal(['250.00', '60.50', '40.00']);
    });
  });

  describe('GET /api/finances/expenses', () => {
    it('filters by category, incurred date, job and payee text; skips soft-deleted', async () => {
      const fuel = await get(`/api/finances/expenses?category=${encodeURIComponent(`Fuel ${run}`)}`);
      expect(fuel.status, fuel.text).to.equal(200);
      expect(idsOf(fuel)).to.deep.equal([ids.exp3, ids.exp1]);
      expect(fuel.body.data[1]).to.deep.include({
        amount: '99.99',
        category: `Fuel ${run}`,
        payeeName: `Shell ${run}`,
        incurredOn: '2030-01-05',
        jobId: ids.job,
      });
      const search = await get(`/api/finances/expenses?q=${encodeURIComponent(`acme ${run}`)}`);
      expect(idsOf(search)).to.deep.equal([ids.exp2]);
      const range = await get(`/api/finances/expenses?clientId=${ids.client}&from=2030-02-01&to=2030-03-31`);
      expect(idsOf(range)).to.deep.equal([ids.exp3, ids.exp2]);
      expect(idsOf(await get(`/api/finances/expenses?jobId=${ids.job}`))).to.deep.equal([ids.exp1]);
      const walked = await walk(`/api/finances/expenses?clientId=${ids.client}&limit=1&sort=amount`);
      expect(walked.rows.map((row) => row.id)).to.deep.equal([ids.exp3, ids.exp2, ids.exp1]);
    });
  });

  it('refuses every list to non-admins with 403', async () => {
    for (const path of ['/api/finances/invoices', '/api/finances/payments', '/api/finances/expenses']) {
      expectError(await get(path, viewer), 403, 'forbidden');
      expectError(await get(path, user), 403, 'forbidden');
    }
    expectError(await api.call('/api/finances/invoices'), 401, 'unauthorized');
  });
});
