import { expect } from 'chai';
import { MikroORM } from '@mikro-orm/postgresql';
import { CalendarEvent, Client, Expense, Invoice, Job, Payment, Quote, type Vendor } from '../../db/entities/index.js';
import { createOrmOptions } from '../../db/mikro-orm.config.js';
import {
  markDeleted,
  reconcileDeletions,
  storeRecords,
  type StoreContext,
  type StoreResult,
} from '../../db/repositories/vendor-records.js';
import type {
  ExternalCalendarEvent,
  ExternalCustomer,
  ExternalInvoice,
  ExternalJob,
  ExternalPayment,
  ResourceRecords,
  SyncResource,
} from '../../integrations/core/records.js';
import { getHarness } from '../support/harness.js';

const T1 = new Date('2026-03-01T10:00:00.000Z');
const T2 = new Date('2026-03-02T10:00:00.000Z');
const context = (syncedAt = T1, extra: Partial<StoreContext> = {}): StoreContext => ({
  connectionId: 'connection-1',
  syncedAt,
  ...extra,
});

function customer(externalId: string, fields: Partial<ExternalCustomer> = {}): ExternalCustomer {
  return {
    externalId,
    firstName: null,
    lastName: null,
    companyName: null,
    displayName: `Customer ${externalId}`,
    email: null,
    phone: null,
    address: null,
    updatedAt: '2026-02-01T00:00:00Z',
    active: true,
    ...fields,
  };
}

function job(externalId: string, fields: Partial<ExternalJob> = {}): ExternalJob {
  return {
    externalId,
    customerExternalId: null,
    jobNumber: null,
    title: `Job ${externalId}`,
    status: 'ACTIVE',
    total: '100.00',
    startAt: '2026-03-05T15:00:00Z',
    endAt: null,
    updatedAt: '2026-02-01T00:00:00Z',
    ...fields,
  };
}

function invoice(externalId: string, fields: Partial<ExternalInvoice> = {}): ExternalInvoice {
  return {
    externalId,
    customerExternalId: null,
    jobExternalId: null,
    invoiceNumber: `INV-${externalId}`,
    status: 'Open',
    total: '149.99',
    balance: '149.99',
    issuedAt: '2026-03-01',
    dueAt: '2026-03-31T00:00:00-05:00',
    updatedAt: '2026-02-01T00:00:00Z',
    ...fields,
  };
}

function payment(externalId: string, fields: Partial<ExternalPayment> = {}): ExternalPayment {
  return {
    externalId,
    customerExternalId: null,
    invoiceExternalId: null,
    amount: '49.99',
    paidAt: '2026-03-03',
    updatedAt: '2026-02-01T00:00:00Z',
    ...fields,
  };
}

function calendarEvent(externalId: string): ExternalCalendarEvent {
  return {
    externalId,
    summary: 'Gutter cleaning',
    description: null,
    location: null,
    startAt: '2026-03-05T15:00:00Z',
    endAt: '2026-03-05T16:00:00Z',
    status: 'confirmed',
    attendeeEmails: ['pat@example.com'],
    updatedAt: '2026-02-01T00:00:00Z',
  };
}

/** One call in its own transaction, as the sync activity makes it. */
function store<K extends SyncResource>(
  vendor: Vendor,
  resource: K,
  records: ResourceRecords[K][],
  ctx = context(),
): Promise<StoreResult> {
  return getHarness()
    .orm.em.fork()
    .transactional((em) => storeRecords(em, vendor, resource, records, ctx));
}

const counts = (result: StoreResult) => [result.inserted, result.updated, result.merged];
const reader = () => getHarness().orm.em.fork();

async function clientRows(): Promise<Record<string, unknown>[]> {
  return reader().execute('select * from clients order by created_at, id');
}

describe('data mapper: storeRecords, markDeleted, reconcileDeletions (real PostgreSQL)', function () {
  this.timeout(60_000);
  beforeEach(() => getHarness().truncateAll());

  describe('customers', () => {
    it('inserts a page, and storing it again changes nothing', async () => {
      const page = [
        customer('j1', { email: 'a@example.com' }),
        customer('j2', { phone: '512-555-0100', active: false }),
      ];
      const first = await store('jobber', 'customers', page);
      expect(counts(first)).to.deep.equal([2, 0, 0]);
      expect(first.decisions.map((decision) => decision.matchedBy)).to.deep.equal(['new', 'new']);
      const before = await clientRows();

      const second = await store('jobber', 'customers', page);
      expect(counts(second)).to.deep.equal([0, 0, 0]);
      expect(second.decisions.map((decision) => decision.matchedBy)).to.deep.equal(['external_id', 'external_id']);
      expect(await clientRows()).to.deep.equal(before);

      const inactive = await reader().findOneOrFail(Client, { jobberId: 'j2' });
      expect(inactive.syncStatus).to.equal('inactive');
      expect(inactive.customFields).to.deep.equal({ vendors: { jobber: page[1] } });
    });

    it('merges one customer across three vendors by id, email and phone', async () => {
      await store('jobber', 'customers', [
        customer('j1', { email: 'Pat@Example.com', phone: '(512) 555-0123', displayName: 'Pat Jones' }),
      ]);
      const quickbooks = await store('quickbooks', 'customers', [customer('q1', { email: '  pat@example.COM ' })]);
      const airtable = await store('airtable', 'customers', [customer('a1', { phone: '+15125550123' })]);
      const again = await store('quickbooks', 'customers', [customer('q1', { email: '  pat@example.COM ' })]);

      const [client, ...others] = await reader().find(Client, {});
      expect(others).to.have.length(0);
      expect([client?.jobberId, client?.quickbooksId, client?.airtableId]).to.deep.equal(['j1', 'q1', 'a1']);
      expect(counts(quickbooks)).to.deep.equal([0, 0, 1]);
      expect(quickbooks.decisions).to.deep.equal([{ externalId: 'q1', clientId: client?.id, matchedBy: 'email' }]);
      expect(airtable.decisions).to.deep.equal([{ externalId: 'a1', clientId: client?.id, matchedBy: 'phone' }]);
      expect(again.decisions[0]?.matchedBy).to.equal('external_id');
      expect(Object.keys((client?.customFields?.vendors ?? {}) as object).sort()).to.deep.equal([
        'airtable',
        'jobber',
        'quickbooks',
      ]);
    });

    it('does not merge a second customer of the same vendor into a client that vendor already has', async () => {
      await store('jobber', 'customers', [customer('j1', { email: 'shared@example.com' })]);
      const result = await store('jobber', 'customers', [customer('j2', { email: 'shared@example.com' })]);
      expect(result.decisions[0]?.matchedBy).to.equal('new');
      expect(await reader().count(Client, {})).to.equal(2);
    });

    it('keeps Jobber values over QuickBooks and Airtable, and lets them fill gaps', async () => {
      await store('jobber', 'customers', [
        customer('j1', { displayName: 'Pat Jones', email: 'pat@example.com', phone: '512-555-0123' }),
      ]);
      const address = { street1: '1 Main St', city: 'Austin', province: 'TX', postalCode: '78701', country: null };
      await store('airtable', 'customers', [
        customer('a1', { displayName: 'PAT (airtable)', email: 'pat@example.com', phone: '737-555-9999', address }),
      ]);
      await store('quickbooks', 'customers', [customer('q1', { displayName: 'Jones, Pat', email: 'PAT@example.com' })]);

      const client = await reader().findOneOrFail(Client, { jobberId: 'j1' });
      expect([client.name, client.email, client.phone]).to.deep.equal(['Pat Jones', 'pat@example.com', '512-555-0123']);
      expect(client.address).to.deep.equal({
        street1: '1 Main St',
        city: 'Austin',
        province: 'TX',
        postalCode: '78701',
      });
      expect([client.airtableId, client.quickbooksId]).to.deep.equal(['a1', 'q1']);

      // A later Airtable change still does not win over Jobber.
      await store(
        'airtable',
        'customers',
        [customer('a1', { displayName: 'Renamed in Airtable', email: 'x@example.com' })],
        context(T2),
      );
      const after = await reader().findOneOrFail(Client, { jobberId: 'j1' });
      expect([after.name, after.email]).to.deep.equal(['Pat Jones', 'pat@example.com']);
    });

    it('stores quotes, SQL and backslashes verbatim', async () => {
      const name = `O'Brien "Bob"; drop table clients; -- ? $1 \\' \\\\`;
      await store('jobber', 'customers', [customer(`id'?`, { displayName: name, email: `o'brien@example.com` })]);
      const client = await reader().findOneOrFail(Client, { jobberId: `id'?` });
      expect([client.name, client.email]).to.deep.equal([name, `o'brien@example.com`]);
    });
  });

  describe('jobs, invoices, payments and other records', () => {
    it('upserts by (vendor, external id), resolves links and keeps money exact', async () => {
      await store('jobber', 'customers', [customer('c1')]);
      const jobs = await store('jobber', 'jobs', [
        job('job1', { customerExternalId: 'c1', total: '1234.50', status: 'REQUIRES_INVOICING' }),
        job('job2', { customerExternalId: 'c-later' }),
      ]);
      expect(counts(jobs)).to.deep.equal([2, 0, 0]);
      await store('jobber', 'invoices', [invoice('inv1', { customerExternalId: 'c1', jobExternalId: 'job1' })]);
      await store('jobber', 'payments', [payment('pay1', { customerExternalId: 'c1', invoiceExternalId: 'inv1' })]);

      const em = reader();
      const client = await em.findOneOrFail(Client, { jobberId: 'c1' });
      const job1 = await em.findOneOrFail(Job, { vendor: 'jobber', externalId: 'job1' });
      expect([job1.client?.id, job1.status, job1.estimatedRevenue, job1.jobberJobId]).to.deep.equal([
        client.id,
        'requires_invoicing',
        '1234.50',
        'job1',
      ]);
      expect((await em.findOneOrFail(Job, { externalId: 'job2' })).client).to.equal(null);
      const inv = await em.findOneOrFail(Invoice, { externalId: 'inv1' });
      expect([inv.client?.id, inv.job?.id, inv.total, inv.balance, inv.status]).to.deep.equal([
        client.id,
        job1.id,
        '149.99',
        '149.99',
        'open',
      ]);
      expect(String(inv.dueOn)).to.match(/2026-03-31/);
      const pay = await em.findOneOrFail(Payment, { externalId: 'pay1' });
      expect([pay.invoice?.id, pay.client?.id, pay.amount]).to.deep.equal([inv.id, client.id, '49.99']);

      // The customer arrives later; the next sync of the job links it.
      await store('jobber', 'customers', [customer('c-later')]);
      const relinked = await store('jobber', 'jobs', [job('job2', { customerExternalId: 'c-later' })]);
      expect(counts(relinked)).to.deep.equal([0, 1, 0]);
      const later = await reader().findOneOrFail(Client, { jobberId: 'c-later' });
      expect((await reader().findOneOrFail(Job, { externalId: 'job2' })).client?.id).to.equal(later.id);
    });

    it('stores the same page twice without duplicates or changed rows', async () => {
      const page = [invoice('1'), invoice('2', { total: '0.10', balance: null, status: 'paid' })];
      expect(counts(await store('quickbooks', 'invoices', page))).to.deep.equal([2, 0, 0]);
      const before = await reader().execute('select * from invoices order by external_id');
      expect(counts(await store('quickbooks', 'invoices', page))).to.deep.equal([0, 0, 0]);
      expect(await reader().execute('select * from invoices order by external_id')).to.deep.equal(before);
      expect(before.map((row) => row.balance)).to.deep.equal(['149.99', '0.00']);
      // The same external id from another vendor is another record.
      await store('jobber', 'invoices', [invoice('1')]);
      expect(await reader().count(Invoice, {})).to.equal(3);
    });

    it('stores quotes, expenses and calendar events', async () => {
      await store('jobber', 'quotes', [
        {
          externalId: 'q1',
          customerExternalId: null,
          quoteNumber: '7',
          title: null,
          status: 'Approved',
          total: null,
          updatedAt: '2026-01-01T00:00:00Z',
        },
      ]);
      await store('quickbooks', 'expenses', [
        {
          externalId: 'e1',
          payee: 'Home Depot',
          category: 'Materials',
          paymentType: 'CreditCard',
          amount: '87.15',
          paidAt: '2026-02-10',
          updatedAt: '2026-02-10T00:00:00Z',
        },
      ]);
      await store('google', 'calendarEvents', [calendarEvent('ev1')], context(T1, { calendarId: 'crew@example.com' }));
      const em = reader();
      const quote = await em.findOneOrFail(Quote, { externalId: 'q1' });
      expect([quote.status, quote.total, quote.number]).to.deep.equal(['approved', '0.00', '7']);
      const expense = await em.findOneOrFail(Expense, { externalId: 'e1' });
      expect([expense.amount, expense.payeeName, expense.category]).to.deep.equal(['87.15', 'Home Depot', 'Materials']);
      const event = await em.findOneOrFail(CalendarEvent, { externalId: 'ev1' });
      expect([event.vendor, event.calendarId, event.status]).to.deep.equal(['google', 'crew@example.com', 'confirmed']);
      expect(event.raw).to.deep.equal(calendarEvent('ev1'));
    });

    it('stores a page of 1000 records in a handful of statements', async () => {
      let statements = 0;
      const orm = await MikroORM.init({
        ...createOrmOptions(getHarness().databaseUrl),
        debug: ['query'],
        logger: () => (statements += 1),
      });
      try {
        const customers = Array.from({ length: 1000 }, (_, i) =>
          customer(`c${i}`, { email: `c${i}@example.com`, phone: `512555${String(i).padStart(4, '0')}` }),
        );
        const jobs = customers.map((c, i) => job(`j${i}`, { customerExternalId: c.externalId }));
        const write = async <K extends SyncResource>(resource: K, records: ResourceRecords[K][]) => {
          statements = 0;
          const result = await orm.em
            .fork()
            .transactional((em) => storeRecords(em, 'jobber', resource, records, context()));
          return { result, statements };
        };
        const stored = await write('customers', customers);
        expect(stored.result.inserted).to.equal(1000);
        // begin, lock, select, (select of deleted ids), upsert, commit
        expect(stored.statements).to.be.within(4, 8);
        const storedJobs = await write('jobs', jobs);
        expect(storedJobs.result.inserted).to.equal(1000);
        expect(storedJobs.statements).to.be.within(4, 8);
      } finally {
        await orm.close();
      }
      expect(await reader().count(Job, { client: { $ne: null } })).to.equal(1000);
    });
  });

  describe('deletions', () => {
    const deleteIn = (fn: Parameters<ReturnType<typeof getHarness>['orm']['em']['transactional']>[0]) =>
      getHarness().orm.em.fork().transactional(fn);

    it('soft-deletes records by external id and undeletes one that reappears', async () => {
      await store('jobber', 'jobs', [job('1'), job('2')]);
      const deleted = await deleteIn((em) => markDeleted(em, 'jobber', 'jobs', ['1', 'unknown'], T2));
      expect(deleted).to.equal(1);
      const gone = await reader().findOneOrFail(Job, { externalId: '1' });
      expect(gone.deletedAt?.toISOString()).to.equal(T2.toISOString());
      expect((await reader().findOneOrFail(Job, { externalId: '2' })).deletedAt).to.equal(null);

      const back = await store('jobber', 'jobs', [job('1')], context(T2));
      expect(counts(back)).to.deep.equal([0, 1, 0]);
      expect((await reader().findOneOrFail(Job, { externalId: '1' })).deletedAt).to.equal(null);
    });

    it('removes one vendor from a customer and soft-deletes the client only when no vendor is left', async () => {
      await store('jobber', 'customers', [customer('j1', { email: 'pat@example.com', displayName: 'Pat (Jobber)' })]);
      await store('quickbooks', 'customers', [customer('q1', { email: 'pat@example.com', displayName: 'Pat (QBO)' })]);

      expect(await deleteIn((em) => markDeleted(em, 'jobber', 'customers', ['j1'], T2))).to.equal(1);
      let client = await reader().findOneOrFail(Client, { quickbooksId: 'q1' });
      expect([client.jobberId, client.deletedAt, client.name]).to.deep.equal([null, null, 'Pat (QBO)']);
      expect((client.customFields?.vendors as Record<string, unknown>).jobber).to.have.property('externalId', 'j1');

      expect(await deleteIn((em) => markDeleted(em, 'quickbooks', 'customers', ['q1'], T2))).to.equal(1);
      client = await reader().findOneOrFail(Client, { id: client.id });
      expect([client.quickbooksId, client.deletedAt?.toISOString()]).to.deep.equal([null, T2.toISOString()]);

      // Jobber lists it again: the same client comes back.
      const back = await store(
        'jobber',
        'customers',
        [customer('j1', { email: 'pat@example.com', displayName: 'Pat (Jobber)' })],
        context(T2),
      );
      expect(back.decisions).to.deep.equal([{ externalId: 'j1', clientId: client.id, matchedBy: 'external_id' }]);
      client = await reader().findOneOrFail(Client, { id: client.id });
      expect([client.jobberId, client.deletedAt, client.name]).to.deep.equal(['j1', null, 'Pat (Jobber)']);
      expect(await reader().count(Client, {})).to.equal(1);
    });

    it('after a full sync, deletes what that vendor did not list, per vendor for customers', async () => {
      await store('jobber', 'customers', [customer('j1', { email: 'a@example.com' }), customer('j2')], context(T1));
      await store('airtable', 'customers', [customer('a1', { email: 'a@example.com' })], context(T1));
      await store('jobber', 'invoices', [invoice('i1'), invoice('i2')], context(T1));
      await store('google', 'calendarEvents', [calendarEvent('e1')], context(T1, { calendarId: 'one' }));
      await store('google', 'calendarEvents', [calendarEvent('e2')], context(T1, { calendarId: 'two' }));

      // The second full sync starts at T2 and lists only j2 and i1.
      await store('jobber', 'customers', [customer('j2')], context(T2));
      await store('jobber', 'invoices', [invoice('i1')], context(T2));
      expect(await deleteIn((em) => reconcileDeletions(em, 'jobber', 'customers', T2))).to.equal(1);
      expect(await deleteIn((em) => reconcileDeletions(em, 'jobber', 'invoices', T2))).to.equal(1);
      expect(await deleteIn((em) => reconcileDeletions(em, 'quickbooks', 'invoices', T2))).to.equal(0);

      const shared = await reader().findOneOrFail(Client, { airtableId: 'a1' });
      expect([shared.jobberId, shared.deletedAt]).to.deep.equal([null, null]);
      expect((await reader().findOneOrFail(Client, { jobberId: 'j2' })).deletedAt).to.equal(null);
      const invoices = await reader().find(Invoice, {}, { orderBy: { externalId: 'asc' } });
      expect(invoices.map((row) => row.deletedAt === null)).to.deep.equal([true, false]);

      await store('google', 'calendarEvents', [calendarEvent('e1')], context(T2, { calendarId: 'one' }));
      expect(
        await deleteIn((em) => reconcileDeletions(em, 'google', 'calendarEvents', T2, { calendarId: 'one' })),
      ).to.equal(0);
      expect(
        await deleteIn((em) => reconcileDeletions(em, 'google', 'calendarEvents', T2, { calendarId: 'two' })),
      ).to.equal(1);
    });
  });
});
