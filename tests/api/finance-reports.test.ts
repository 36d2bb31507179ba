import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pino from 'pino';
import type { AppDeps } from '../../api/deps.js';
import type { RealtimeServer } from '../../api/realtime/io.js';
import { todayUtc } from '../../api/routes/finances/ranges.js';
import { computeReport, type ComputeReport } from '../../api/routes/finances/reports.js';
import { financesRouter } from '../../api/routes/finances/router.js';
import { invalidateDashboard } from '../../db/dashboard-generation.js';
import { Client, Expense, Invoice, Job, Payment } from '../../db/entities/index.js';
import { createTestUser, expectError, login, startTestApi, type Reply, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { detachedRealtime } from '../support/realtime.js';

/*
 * Reports aggregate over every row, so this file's rows live in a year of their own, drawn at random (no other test
 * dates anything there, and a rerun against the same database does not add to the last run's figures).
 */
const Y = String(2200 + Math.floor(Math.random() * 7000));
const day = (monthDay: string) => `${Y}-${monthDay}`;

describe('/api/finances/reports (real PostgreSQL and Redis)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let realtime: RealtimeServer | undefined;
  let admin: string;
  let viewer: string;
  let user: string;
  const run = randomUUID().slice(0, 8);
  const ids: Record<string, string> = {};
  let computations = 0;
  const countingCompute: ComputeReport = async (em, request) => {
    computations += 1;
    return computeReport(em, request);
  };
  const probePrefix = `/api/finances-probe-${run}`;

  async function report(query: string, prefix = '/api/finances', token = admin): Promise<Reply> {
    return api.call(`${prefix}/reports?${query}`, { token });
  }

  async function ok(query: string): Promise<Reply> {
    const reply = await report(query);
    expect(reply.status, reply.text).to.equal(200);
    return reply;
  }

  before(async () => {
    const harness = getHarness();
    realtime = detachedRealtime();
    const deps: AppDeps = {
      config: harness.config,
      orm: harness.orm,
      redis: harness.redis,
      temporal: { client: harness.temporalClient, connection: harness.temporalConnection },
      logger: pino({ level: 'silent' }),
      realtime,
    };
    // A second copy of the finance routes whose report computations the test counts.
    api = await startTestApi({
      extraRouters: [financesRouter(deps, { prefix: probePrefix, computeReport: countingCompute })],
    });
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;

    const em = harness.orm.em.fork();
    const a = em.create(Client, { name: `Reports A ${run}` });
    const b = em.create(Client, { name: `Reports B ${run}` });
    const job = (title: string, start: string, estimated: string | null, actual: string | null, deleted = false) =>
      em.create(Job, {
        title: `${title} ${run}`,
        status: 'completed',
        client: a,
        scheduledStart: new Date(`${start}Z`),
        estimatedRevenue: estimated,
        actualRevenue: actual,
        ...(deleted ? { deletedAt: new Date() } : {}),
      } as never);
    const j1 = job('J1', day('01-05T09:00:00'), '1400.00', '1500.00');
    const j2 = job('J2', day('02-20T23:30:00'), '400.00', '300.25');
    const j3 = job('J3', day('05-01T08:00:00'), '200.00', null);
    job('J4 deleted', day('05-02T08:00:00'), '999.00', '999.00', true);
    await em.flush();
    Object.assign(ids, { a: a.id, b: b.id, j1: j1.id, j2: j2.id, j3: j3.id });

    let n = 0;
    const invoice = (fields: Record<string, unknown>) =>
      em.create(Invoice, { vendor: 'jobber', externalId: `rep-${run}-inv-${(n += 1)}`, ...fields } as never);
    invoice({
      client: a,
      job: j1,
      status: 'paid',
      total: '1000.00',
      balance: '0.00',
      issuedOn: day('01-10'),
      dueOn: day('02-09'),
    });
    invoice({
      client: a,
      job: j1,
      status: 'awaiting_payment',
      total: '500.00',
      balance: '200.00',
      issuedOn: day('02-15'),
      dueOn: day('05-16'),
    });
    invoice({
      client: b,
      job: j2,
      status: 'awaiting_payment',
      total: '300.25',
      balance: '300.25',
      issuedOn: day('03-01'),
      dueOn: day('05-31'),
    });
    invoice({
      client: b,
      status: 'open',
      total: '99.99',
      balance: '99.99',
      issuedOn: day('03-20'),
      dueOn: day('07-15'),
    });
    invoice({
      client: a,
      status: 'draft',
      total: '700.00',
      balance: '700.00',
      issuedOn: day('01-05'),
      dueOn: day('01-20'),
    });
    invoice({
      client: b,
      status: 'open',
      total: '5000.00',
      balance: '5000.00',
      issuedOn: day('02-01'),
      dueOn: day('02-02'),
      deletedAt: new Date(),
    });
    invoice({
      client: a,
      status: 'past_due',
      total: '40.00',
      balance: '40.00',
      issuedOn: day('01-01'),
      dueOn: day('01-31'),
    });
    invoice({
      client: b,
      status: 'open',
      total: '80.00',
      balance: '80.00',
      issuedOn: day('03-01'),
      dueOn: day('04-16'),
    });
    invoice({
      client: b,
      status: 'open',
      total: '60.00',
      balance: '60.00',
      issuedOn: day('07-05'),
      dueOn: day('08-04'),
    });

    const payment = (fields: Record<string, unknown>) =>
      em.create(Payment, {
        vendor: 'jobber',
        externalId: `rep-${run}-pay-${(n += 1)}`,
        status: 'received',
        ...fields,
      } as never);
    payment({ client: a, amount: '1000.00', paidOn: day('02-01') });
    payment({ client: a, amount: '300.00', paidOn: day('03-05') });
    payment({ client: b, amount: '50.50', paidOn: day('04-10') });
    payment({ client: a, amount: '999.00', paidOn: day('04-12'), deletedAt: new Date() });

    const expense = (fields: Record<string, unknown>) =>
      em.create(Expense, {
        vendor: 'quickbooks',
        externalId: `rep-${run}-exp-${(n += 1)}`,
        status: 'paid',
        ...fields,
      } as never);
    expense({ amount: '250.00', incurredOn: day('01-20'), job: j1 });
    expense({ amount: '120.10', incurredOn: day('03-03'), job: j2 });
    expense({ amount: '9.90', incurredOn: day('03-28') });
    expense({ amount: '777.00', incurredOn: day('02-02'), job: j1, deletedAt: new Date() });
    await em.flush();
  });

  after(async () => {
    await realtime?.close();
    await api?.close();
  });

  const zeroMonth = (month: string) => ({ month: `${Y}-${month}`, income: '0.00', expenses: '0.00', net: '0.00' });

  it('profit and loss, accrual basis: invoiced revenue and expenses by month, empty months as zeros', async () => {
    const reply = await ok(`report=profit_and_loss&from=${day('01-01')}&to=${day('06-30')}`);
    expect(reply.body.data).to.deep.equal({
      report: 'profit_and_loss',
      from: day('01-01'),
      to: day('06-30'),
      basis: 'accrual',
      months: [
        { month: `${Y}-01`, income: '1040.00', expenses: '250.00', net: '790.00' },
        { month: `${Y}-02`, income: '500.00', expenses: '0.00', net: '500.00' },
        { month: `${Y}-03`, income: '480.24', expenses: '130.00', net: '350.24' },
        zeroMonth('04'),
        zeroMonth('05'),
        zeroMonth('06'),
      ],
      totals: { income: '2020.24', expenses: '380.00', net: '1640.24' },
    });
  });

  it('profit and loss, cash basis: payments received by month', async () => {
    const reply = await ok(`report=profit_and_loss&basis=cash&from=${day('01-01')}&to=${day('06-30')}`);
    expect(reply.body.data.months).to.deep.equal([
      { month: `${Y}-01`, income: '0.00', expenses: '250.00', net: '-250.00' },
      { month: `${Y}-02`, income: '1000.00', expenses: '0.00', net: '1000.00' },
      { month: `${Y}-03`, income: '300.00', expenses: '130.00', net: '170.00' },
      { month: `${Y}-04`, income: '50.50', expenses: '0.00', net: '50.50' },
      zeroMonth('05'),
      zeroMonth('06'),
    ]);
    expect(reply.body.data.totals).to.deep.equal({ income: '1350.50', expenses: '380.00', net: '970.50' });
  });

  it('profit and loss defaults to this year, one row per month', async () => {
    const reply = await ok('report=profit_and_loss');
    const year = todayUtc().slice(0, 4);
    expect(reply.body.data).to.include({ from: `${year}-01-01`, to: `${year}-12-31`, basis: 'accrual' });
    expect((reply.body.data.months as Array<{ month: string }>).map((row) => row.month)).to.deep.equal(
      Array.from({ length: 12 }, (_, index) => `${year}-${String(index + 1).padStart(2, '0')}`),
    );
  });

  it('receivables aging as of `to`: open invoices by days past due, drafts, paid, deleted and later ones left out', async () => {
    const reply = await ok(`report=receivables_aging&from=${day('01-01')}&to=${day('06-30')}`);
    expect(reply.body.data).to.deep.equal({
      report: 'receivables_aging',
      asOf: day('06-30'),
      issuedFrom: day('01-01'),
      buckets: [
        { bucket: 'current', count: 1, amount: '99.99' },
        { bucket: '1-30', count: 1, amount: '300.25' },
        { bucket: '31-60', count: 1, amount: '200.00' },
        { bucket: '61-90', count: 1, amount: '80.00' },
        { bucket: '90+', count: 1, amount: '40.00' },
      ],
      total: { count: 5, amount: '720.24' },
    });
    const earlier = await ok(`report=receivables_aging&from=${day('01-01')}&to=${day('03-20')}`);
    expect(earlier.body.data.buckets).to.deep.equal([
      { bucket: 'current', count: 4, amount: '680.24' },
      { bucket: '1-30', count: 0, amount: '0.00' },
      { bucket: '31-60', count: 1, amount: '40.00' },
      { bucket: '61-90', count: 0, amount: '0.00' },
      { bucket: '90+', count: 0, amount: '0.00' },
    ]);
    expect(earlier.body.data.total).to.deep.equal({ count: 5, amount: '720.24' });
  });

  it('revenue by client: ranked by invoiced (accrual) or paid (cash), totals over every client', async () => {
    const range = `from=${day('01-01')}&to=${day('12-31')}`;
    const totals = { clients: 2, invoiced: '2080.24', invoiceCount: 7, paid: '1350.50', paymentCount: 3 };
    const clientA = {
      clientId: ids.a,
      clientName: `Reports A ${run}`,
      invoiced: '1540.00',
      invoiceCount: 3,
      paid: '1300.00',
      paymentCount: 2,
    };
    const clientB = {
      clientId: ids.b,
      clientName: `Reports B ${run}`,
      invoiced: '540.24',
      invoiceCount: 4,
      paid: '50.50',
      paymentCount: 1,
    };
    const accrual = await ok(`report=revenue_by_client&${range}`);
    expect(accrual.body.data).to.deep.equal({
      report: 'revenue_by_client',
      from: day('01-01'),
      to: day('12-31'),
      basis: 'accrual',
      limit: 10,
      clients: [clientA, clientB],
      totals,
    });
    const top = await ok(`report=revenue_by_client&${range}&basis=cash&limit=1`);
    expect(top.body.data.clients).to.deep.equal([clientA]);
    expect(top.body.data.totals).to.deep.equal(totals);
  });

  it('job profitability: estimated vs actual revenue, invoiced, costs, variance and margin, with totals', async () => {
    const reply = await ok(`report=job_profitability&from=${day('01-01')}&to=${day('12-31')}`);
    const job = (id: string | undefined, title: string, scheduledStart: string) => ({
      jobId: id,
      title: `${title} ${run}`,
      status: 'completed',
      clientId: ids.a,
      scheduledStart,
    });
    expect(reply.body.data).to.deep.equal({
      report: 'job_profitability',
      from: day('01-01'),
      to: day('12-31'),
      limit: 10,
      jobs: [
        {
          ...job(ids.j1, 'J1', `${day('01-05')}T09:00:00.000Z`),
          estimatedRevenue: '1400.00',
          actualRevenue: '1500.00',
          invoiced: '1500.00',
          costs: '250.00',
          variance: '100.00',
          profit: '1250.00',
          marginPercent: '83.33',
        },
        {
          ...job(ids.j2, 'J2', `${day('02-20')}T23:30:00.000Z`),
          estimatedRevenue: '400.00',
          actualRevenue: '300.25',
          invoiced: '300.25',
          costs: '120.10',
          variance: '-99.75',
          profit: '180.15',
          marginPercent: '60.00',
        },
        {
          ...job(ids.j3, 'J3', `${day('05-01')}T08:00:00.000Z`),
          estimatedRevenue: '200.00',
          actualRevenue: '0.00',
          invoiced: '0.00',
          costs: '0.00',
          variance: '-200.00',
          profit: '0.00',
          marginPercent: null,
        },
      ],
      totals: {
        jobs: 3,
        estimatedRevenue: '2000.00',
        actualRevenue: '1800.25',
        invoiced: '1800.25',
        costs: '370.10',
        variance: '-199.75',
        profit: '1430.15',
        marginPercent: '79.44',
      },
    });
    // The range is by scheduled start, in UTC days: J2 starts on the evening of February 20.
    const february = await ok(`report=job_profitability&from=${day('02-20')}&to=${day('02-20')}&limit=1`);
    expect(february.body.data.jobs.map((row: { jobId: string }) => row.jobId)).to.deep.equal([ids.j2]);
    expect(february.body.data.totals.jobs).to.equal(1);
  });

  it('answers from the cache until a write invalidates it; the next read is a miss with fresh figures', async () => {
    const query = `report=profit_and_loss&from=${day('04-01')}&to=${day('04-30')}`;
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    const cold = await ok(query);
    expect(cold.headers.get('x-cache')).to.equal('miss');
    expect(cold.body.data.totals).to.deep.equal({ income: '0.00', expenses: '0.00', net: '0.00' });
    const warm = await ok(query);
    expect(warm.headers.get('x-cache')).to.equal('hit');
    expect(warm.text).to.equal(cold.text);

    const em = getHarness().orm.em.fork();
    em.create(Expense, {
      vendor: 'quickbooks',
      externalId: `rep-${run}-late`,
      status: 'paid',
      amount: '12.34',
      incurredOn: day('04-02'),
    } as never);
    await em.flush();
    // Written but not announced: the cache still answers.
    expect((await ok(query)).headers.get('x-cache')).to.equal('hit');
    await invalidateDashboard(getHarness().redis, { scope: 'expenses' });
    const fresh = await ok(query);
    expect(fresh.headers.get('x-cache')).to.equal('miss');
    expect(fresh.body.data.months).to.deep.equal([
      { month: `${Y}-04`, income: '0.00', expenses: '12.34', net: '-12.34' },
    ]);
  });

  it('computes a report once for concurrent cold requests', async () => {
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    computations = 0;
    const query = `report=revenue_by_client&from=${day('01-01')}&to=${day('12-31')}&limit=3`;
    const replies = await Promise.all(Array.from({ length: 12 }, () => report(query, probePrefix)));
    for (const reply of replies) expect(reply.status, reply.text).to.equal(200);
    expect(new Set(replies.map((reply) => reply.text)).size).to.equal(1);
    expect(replies[0]?.body.data.clients.map((row: { clientId: string }) => row.clientId)).to.deep.equal([
      ids.a,
      ids.b,
    ]);
    expect(computations).to.equal(1);
    expect((await report(query, probePrefix)).headers.get('x-cache')).to.equal('hit');
    expect(computations).to.equal(1);
  });

  it('answers 400 with field paths: bad date, from after to, unknown or missing report, too long a range', async () => {
    const cases: Array<[string, string]> = [
      [`report=profit_and_loss&from=${Y}-02-30`, '/from'],
      [`report=profit_and_loss&from=${day('03-01')}&to=${day('02-01')}`, '/from'],
      [`report=receivables_aging&from=${day('03-01')}&to=${day('02-01')}`, '/from'],
      ['report=balance_sheet', '/report'],
      [`from=${day('01-01')}`, '/report'],
      [`report=job_profitability&from=${day('01-01')}&to=${Number(Y) + 5}-01-01`, '/to'],
      ['report=revenue_by_client&limit=0', '/limit'],
      ['report=profit_and_loss&basis=cashflow', '/basis'],
      ['report=profit_and_loss&extra=1', '/extra'],
    ];
    for (const [query, path] of cases) {
      const reply = await report(query);
      expectError(reply, 400, 'validation_failed');
      expect(
        reply.body.error.details.map((detail: { path: string }) => detail.path),
        query,
      ).to.deep.equal([path]);
    }
    // Five years less a day is the longest range.
    await ok(`report=job_profitability&from=${day('01-01')}&to=${Number(Y) + 4}-12-31`);
  });

  it('refuses reports to non-admins with 403', async () => {
    expectError(await report('report=profit_and_loss', '/api/finances', viewer), 403, 'forbidden');
    expectError(await report('report=receivables_aging', '/api/finances', user), 403, 'forbidden');
  });
});
