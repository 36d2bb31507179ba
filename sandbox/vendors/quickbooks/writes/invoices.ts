import type { Invoice } from '../../../core/world.js';
import { faults } from '../errors.js';
import { cents, dollars } from '../format.js';
import { inQuickbooks } from '../views.js';
import {
  addDays,
  checkSyncToken,
  dateAt,
  moneyLines,
  objectAt,
  refKey,
  rowById,
  textAt,
  type Body,
  type WriteContext,
  type WriteResult,
} from './common.js';

/** A customer reference must name an active customer QBO has. */
export function customerKeyFrom(ctx: WriteContext, body: Body): number {
  if (!objectAt(body, 'CustomerRef')) throw faults.required('CustomerRef');
  const key = refKey(body, 'CustomerRef');
  const customer = key === null ? undefined : ctx.world.customers[key];
  if (!inQuickbooks(customer) || customer.deletedAt) {
    throw faults.invalidReference(
      `Customer ${String(objectAt(body, 'CustomerRef')?.value)} does not exist or is inactive`,
    );
  }
  return customer.key;
}

/** Sums the lines; a line without Amount is priced from its Qty × UnitPrice. Returns cents and normalised lines. */
function priceLines(body: Body): { total: number; lines: Body[] } {
  let total = 0;
  const lines = moneyLines(body).map((line, index) => {
    const detail = objectAt(line, 'SalesItemLineDetail') ?? {};
    const amount =
      line.Amount !== undefined ? cents(line.Amount) : cents(Number(detail.Qty ?? 1) * Number(detail.UnitPrice ?? 0));
    if (Number.isNaN(amount)) throw faults.invalidRequest(`Line ${index + 1} has no valid Amount`);
    total += amount;
    return {
      Id: String(index + 1),
      LineNum: index + 1,
      ...line,
      Amount: dollars(amount),
      DetailType: textAt(line, 'DetailType') ?? 'SalesItemLineDetail',
    };
  });
  return { total, lines };
}

function docNumberFrom(body: Body): number | undefined {
  const doc = textAt(body, 'DocNumber');
  if (doc === undefined) return undefined;
  // The world numbers invoices; free-text document numbers cannot be represented.
  if (!/^\d{1,9}$/.test(doc)) throw faults.invalidRequest(`sandbox DocNumbers must be numeric: ${doc}`);
  return Number(doc);
}

export function paidOn(ctx: WriteContext, invoice: Invoice): number {
  return ctx.world.payments
    .filter((payment) => payment.invoiceKey === invoice.key && !payment.deletedAt)
    .reduce((sum, payment) => sum + payment.amount, 0);
}

/** After any change of amounts: the open balance and the status the other vendors see. */
export function settle(ctx: WriteContext, invoice: Invoice): void {
  invoice.balance = Math.max(0, invoice.total - paidOn(ctx, invoice));
  if (invoice.status === 'bad_debt') return;
  if (invoice.balance === 0 && invoice.total > 0) invoice.status = 'paid';
  else invoice.status = invoice.dueAt < ctx.now ? 'past_due' : 'awaiting_payment';
}

export function touchInvoice(ctx: WriteContext, invoice: Invoice): void {
  invoice.syncToken += 1;
  invoice.updatedAt = ctx.now;
}

const exists = (ctx: WriteContext) => (invoice: Invoice) =>
  !invoice.deletedAt && inQuickbooks(ctx.world.customers[invoice.customerKey]);

export function createInvoice(ctx: WriteContext, body: Body): WriteResult {
  const customerKey = customerKeyFrom(ctx, body);
  const { total, lines } = priceLines(body);
  const issuedAt = dateAt(body, 'TxnDate') ?? ctx.now;
  const invoiceNumber = docNumberFrom(body) ?? Math.max(1000, ...ctx.world.invoices.map((i) => i.invoiceNumber)) + 1;
  const invoice: Invoice = {
    key: ctx.world.invoices.length,
    customerKey,
    jobKey: null,
    invoiceNumber,
    status: 'awaiting_payment',
    total,
    balance: total,
    issuedAt,
    dueAt: dateAt(body, 'DueDate') ?? addDays(issuedAt, 30),
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
    syncToken: 0,
  };
  ctx.world.invoices.push(invoice);
  settle(ctx, invoice);
  ctx.state.setInvoiceLines(invoice.key, total, lines);
  return { key: invoice.key, action: 'create' };
}

export function updateInvoice(ctx: WriteContext, body: Body): WriteResult {
  const invoice = rowById(ctx.world.invoices, body, 'Invoice', exists(ctx));
  checkSyncToken(invoice.syncToken, body);
  if (body.CustomerRef !== undefined) invoice.customerKey = customerKeyFrom(ctx, body);
  if (body.Line !== undefined) {
    const { total, lines } = priceLines(body);
    invoice.total = total;
    ctx.state.setInvoiceLines(invoice.key, total, lines);
  }
  invoice.invoiceNumber = docNumberFrom(body) ?? invoice.invoiceNumber;
  invoice.issuedAt = dateAt(body, 'TxnDate') ?? invoice.issuedAt;
  invoice.dueAt = dateAt(body, 'DueDate') ?? invoice.dueAt;
  settle(ctx, invoice);
  touchInvoice(ctx, invoice);
  return { key: invoice.key, action: 'update' };
}

export function deleteInvoice(ctx: WriteContext, body: Body): WriteResult {
  const invoice = rowById(ctx.world.invoices, body, 'Invoice', exists(ctx));
  checkSyncToken(invoice.syncToken, body);
  invoice.deletedAt = ctx.now;
  touchInvoice(ctx, invoice);
  return { key: invoice.key, action: 'delete' };
}
