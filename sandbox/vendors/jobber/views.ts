import type { Customer, Invoice, Job, Quote, World } from '../../core/world.js';
import { connect, type PageArgs } from './connection.js';
import { encodeId } from './ids.js';
import { clientVisible, customerIndex, pick, workVisible } from './visibility.js';

/** What every view needs: the current world (read per request, never kept) and the page-size cap. */
export interface ViewContext {
  world: World;
  maxPageSize: number;
}

type View = Record<string, unknown>;

const WEB = 'https://secure.getjobber.com';

/** Jobber prints ISO-8601 times without milliseconds. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const dollars = (cents: number) => Math.round(cents) / 100;

/** Jobber's numeric id (the one in web URIs) for a record. */
const webNumber = (type: Parameters<typeof encodeId>[0], key: number) =>
  Buffer.from(encodeId(type, key), 'base64').toString('utf8').split('/').pop();

function address(customer: Customer): View {
  const { street1, city, province, postalCode, country } = customer.address;
  return {
    street1,
    street2: null,
    street: street1,
    city,
    province,
    postalCode,
    country: country === 'US' ? 'United States' : country,
  };
}

export function clientView(ctx: ViewContext, customer: Customer): View {
  const variant = customer.variants.jobber ?? {};
  const email = variant.email !== undefined ? variant.email : customer.email;
  const phone = variant.phone !== undefined ? variant.phone : customer.phone;
  const isCompany = customer.companyName !== null;
  const own = <R extends Job | Quote | Invoice>(row: R) =>
    row.customerKey === customer.key && workVisible(ctx.world, row);
  const index = customerIndex(ctx.world);
  const invoices = (fromKey: number) => pick(ctx.world.invoices, index.invoices.get(customer.key), fromKey, own);
  return {
    id: encodeId('Client', customer.key),
    name: variant.displayName ?? (isCompany ? customer.companyName : `${customer.firstName} ${customer.lastName}`),
    firstName: customer.firstName,
    lastName: customer.lastName,
    companyName: customer.companyName,
    isCompany,
    isLead: customer.isLead,
    isArchived: false,
    balance: () => dollars([...invoices(0)].reduce((sum, invoice) => sum + invoice.balance, 0)),
    emails: email ? [{ id: encodeId('Client', customer.key), address: email, primary: true, description: 'MAIN' }] : [],
    phones: phone
      ? [{ id: encodeId('Client', customer.key), number: phone, primary: true, description: 'MAIN', smsAllowed: true }]
      : [],
    billingAddress: address(customer),
    clientProperties: (args: PageArgs) =>
      connect(
        (fromKey) => (fromKey <= customer.key ? [customer] : []),
        args,
        ctx.maxPageSize,
        (row) => ({ id: encodeId('Property', row.key), address: address(row) }),
      ),
    jobs: (args: PageArgs) =>
      connect(
        (fromKey) => pick(ctx.world.jobs, index.jobs.get(customer.key), fromKey, own),
        args,
        ctx.maxPageSize,
        (job) => jobView(ctx, job),
      ),
    quotes: (args: PageArgs) =>
      connect(
        (fromKey) => pick(ctx.world.quotes, index.quotes.get(customer.key), fromKey, own),
        args,
        ctx.maxPageSize,
        (quote) => quoteView(ctx, quote),
      ),
    invoices: (args: PageArgs) => connect(invoices, args, ctx.maxPageSize, (invoice) => invoiceView(ctx, invoice)),
    jobberWebUri: `${WEB}/clients/${webNumber('Client', customer.key)}`,
    createdAt: iso(customer.createdAt),
    updatedAt: iso(customer.updatedAt),
  };
}

/** The owning client; null if it is gone (cannot happen for visible work, but the schema allows it). */
function ownerView(ctx: ViewContext, customerKey: number): View | null {
  const customer = ctx.world.customers[customerKey];
  return clientVisible(customer) ? clientView(ctx, customer) : null;
}

export function jobView(ctx: ViewContext, job: Job): View {
  const index = customerIndex(ctx.world);
  return {
    id: encodeId('Job', job.key),
    jobNumber: job.jobNumber,
    jobStatus: job.status.toUpperCase(),
    title: job.title,
    total: dollars(job.total),
    startAt: iso(job.startAt),
    endAt: iso(job.endAt),
    archivedAt: job.status === 'archived' ? iso(job.updatedAt) : null,
    client: () => ownerView(ctx, job.customerKey),
    invoices: (args: PageArgs) =>
      connect(
        (fromKey) =>
          pick(
            ctx.world.invoices,
            index.invoices.get(job.customerKey),
            fromKey,
            (invoice) => invoice.jobKey === job.key && workVisible(ctx.world, invoice),
          ),
        args,
        ctx.maxPageSize,
        (invoice) => invoiceView(ctx, invoice),
      ),
    jobberWebUri: `${WEB}/work_orders/${webNumber('Job', job.key)}`,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
}

export function quoteView(ctx: ViewContext, quote: Quote): View {
  const items = quote.lineItems.map((item, position) => ({ ...item, key: position }));
  return {
    id: encodeId('Quote', quote.key),
    quoteNumber: String(quote.quoteNumber),
    quoteStatus: quote.status.toUpperCase(),
    title: quote.title,
    message: null,
    sentAt: iso(quote.sentAt),
    amounts: { subtotal: dollars(quote.total), total: dollars(quote.total), discountAmount: 0, depositAmount: 0 },
    lineItems: (args: PageArgs) =>
      connect(
        (fromKey) => items.slice(fromKey),
        args,
        ctx.maxPageSize,
        (item) => ({
          id: encodeId('QuoteLineItem', quote.key * 1000 + item.key),
          name: item.name,
          description: item.description,
          quantity: item.quantity,
          unitPrice: dollars(item.unitPrice),
          totalPrice: dollars(item.unitPrice * item.quantity),
        }),
      ),
    client: () => ownerView(ctx, quote.customerKey),
    jobberWebUri: `${WEB}/quotes/${webNumber('Quote', quote.key)}`,
    createdAt: iso(quote.createdAt),
    updatedAt: iso(quote.updatedAt),
  };
}

export function invoiceView(ctx: ViewContext, invoice: Invoice): View {
  return {
    id: encodeId('Invoice', invoice.key),
    invoiceNumber: String(invoice.invoiceNumber),
    invoiceStatus: invoice.status.toUpperCase(),
    subject: 'For Services Rendered',
    issuedDate: iso(invoice.issuedAt),
    dueDate: iso(invoice.dueAt),
    amounts: {
      subtotal: dollars(invoice.total),
      total: dollars(invoice.total),
      invoiceBalance: dollars(invoice.balance),
      paymentsTotal: dollars(invoice.total - invoice.balance),
    },
    client: () => ownerView(ctx, invoice.customerKey),
    jobberWebUri: `${WEB}/invoices/${webNumber('Invoice', invoice.key)}`,
    createdAt: iso(invoice.createdAt),
    updatedAt: iso(invoice.updatedAt),
  };
}
