import type { ResourceRecords, SyncResource } from '../../integrations/core/records.js';
import type { Vendor } from '../entities/enums.js';
import { clip, dateOnly, type ColumnTypes, type Row } from './vendor-records-sql.js';
import type { StoreContext } from './vendor-records.js';

/*
 * How each non-customer resource maps onto its table: the columns it owns and the external ids of the rows it
 * links to. Values stay the vendor's own: statuses lower-cased, money as the decimal string it came as.
 */

export type LinkTarget = 'client' | 'job' | 'invoice';

/** The external ids a record links to, by target; the link column is `<target>_id`. */
export type Links = Partial<Record<LinkTarget, string | null>>;

export interface ResourceSpec<R> {
  table: string;
  /** The columns this resource writes besides the common ones (id, timestamps, vendor, external_id, raw, links). */
  columns: ColumnTypes;
  links: readonly LinkTarget[];
  /** A vendor id column older than (vendor, external_id): rows that only have it are adopted, not duplicated. */
  legacyId?: { vendor: Vendor; column: string };
  linksOf(record: R): Links;
  map(record: R, vendor: Vendor, context: StoreContext, existing: Row | undefined): Row;
}

const status = (value: string) => value.trim().toLowerCase().slice(0, 50);

const jobs: ResourceSpec<ResourceRecords['jobs']> = {
  table: 'jobs',
  columns: {
    title: 'varchar(255)',
    status: 'varchar(50)',
    number: 'varchar(50)',
    estimated_revenue: 'numeric(10,2)',
    scheduled_start: 'timestamptz',
    scheduled_end: 'timestamptz',
    jobber_job_id: 'varchar(100)',
  },
  links: ['client'],
  legacyId: { vendor: 'jobber', column: 'jobber_job_id' },
  linksOf: (job) => ({ client: job.customerExternalId }),
  map: (job, vendor) => ({
    title: clip(job.title, 255),
    status: status(job.status),
    number: clip(job.jobNumber, 50),
    estimated_revenue: job.total,
    scheduled_start: job.startAt,
    scheduled_end: job.endAt,
    // The Jobber job id column predates the mapper; Jobber jobs keep filling it.
    jobber_job_id: vendor === 'jobber' ? job.externalId : null,
  }),
};

const quotes: ResourceSpec<ResourceRecords['quotes']> = {
  table: 'quotes',
  columns: { number: 'varchar(50)', title: 'varchar(255)', status: 'varchar(50)', total: 'numeric(12,2)' },
  links: ['client'],
  linksOf: (quote) => ({ client: quote.customerExternalId }),
  map: (quote) => ({
    number: clip(quote.quoteNumber, 50),
    title: clip(quote.title, 255),
    status: status(quote.status),
    total: quote.total ?? '0.00',
  }),
};

const invoices: ResourceSpec<ResourceRecords['invoices']> = {
  table: 'invoices',
  columns: {
    number: 'varchar(50)',
    status: 'varchar(50)',
    total: 'numeric(12,2)',
    balance: 'numeric(12,2)',
    issued_on: 'date',
    due_on: 'date',
  },
  links: ['client', 'job'],
  linksOf: (invoice) => ({ client: invoice.customerExternalId, job: invoice.jobExternalId }),
  map: (invoice) => ({
    number: clip(invoice.invoiceNumber, 50),
    status: status(invoice.status),
    total: invoice.total,
    // A vendor that reports no balance (Jobber without one) leaves it to the status: nothing owed once paid.
    balance: invoice.balance ?? (status(invoice.status) === 'paid' ? '0.00' : invoice.total),
    issued_on: dateOnly(invoice.issuedAt),
    due_on: dateOnly(invoice.dueAt),
  }),
};

const payments: ResourceSpec<ResourceRecords['payments']> = {
  table: 'payments',
  columns: { status: 'varchar(50)', amount: 'numeric(12,2)', paid_on: 'date' },
  links: ['client', 'invoice'],
  linksOf: (payment) => ({ client: payment.customerExternalId, invoice: payment.invoiceExternalId }),
  // Our payment record has no status: a payment the vendor lists has been received.
  map: (payment) => ({ status: 'received', amount: payment.amount, paid_on: dateOnly(payment.paidAt) }),
};

const expenses: ResourceSpec<ResourceRecords['expenses']> = {
  table: 'expenses',
  columns: {
    status: 'varchar(50)',
    payee_name: 'varchar(255)',
    category: 'varchar(255)',
    payment_type: 'varchar(50)',
    amount: 'numeric(12,2)',
    incurred_on: 'date',
    paid_on: 'date',
  },
  links: [],
  linksOf: () => ({}),
  // A QuickBooks Purchase is money already spent: its TxnDate is both when it was incurred and paid.
  map: (expense) => ({
    status: 'paid',
    payee_name: clip(expense.payee, 255),
    category: clip(expense.category, 255),
    payment_type: clip(expense.paymentType, 50),
    amount: expense.amount,
    incurred_on: dateOnly(expense.paidAt),
    paid_on: dateOnly(expense.paidAt),
  }),
};

const calendarEvents: ResourceSpec<ResourceRecords['calendarEvents']> = {
  table: 'calendar_events',
  columns: {
    calendar_id: 'varchar(255)',
    summary: 'varchar(255)',
    description: 'text',
    location: 'text',
    starts_at: 'timestamptz',
    ends_at: 'timestamptz',
    status: 'varchar(50)',
  },
  links: [],
  linksOf: () => ({}),
  map: (event, _vendor, context, existing) => ({
    calendar_id: context.calendarId ?? (existing?.calendar_id as string | undefined) ?? 'primary',
    summary: clip(event.summary, 255),
    description: event.description,
    location: event.location,
    starts_at: event.startAt,
    ends_at: event.endAt,
    status: status(event.status),
  }),
};

/** Every resource but customers, which have their own matcher. */
export const RESOURCE_SPECS: { [K in Exclude<SyncResource, 'customers'>]: ResourceSpec<ResourceRecords[K]> } = {
  jobs,
  quotes,
  invoices,
  payments,
  expenses,
  calendarEvents,
};

/** Where each link target's external id lives: clients by the vendor's id column, the others by (vendor, external_id). */
export const LINK_TABLES: Record<LinkTarget, string> = { client: 'clients', job: 'jobs', invoice: 'invoices' };
