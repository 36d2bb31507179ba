import type { Payment } from '../../../core/world.js';
import { faults } from '../errors.js';
import { keyOf } from '../format.js';
import { inQuickbooks } from '../views.js';
import { amountAt, checkSyncToken, dateAt, rowById, type Body, type WriteContext, type WriteResult } from './common.js';
import { customerKeyFrom, settle, touchInvoice } from './invoices.js';

/**
 * The invoice a payment is applied to: `Line[0].LinkedTxn[0]` with TxnType "Invoice". The world links every
 * payment to exactly one invoice, so unapplied payments and payments split over invoices are not simulated.
 */
function linkedInvoiceKey(ctx: WriteContext, body: Body, customerKey: number): number {
  const lines = Array.isArray(body.Line) ? (body.Line as Body[]) : [];
  const links = lines.flatMap((line) => (Array.isArray(line?.LinkedTxn) ? (line.LinkedTxn as Body[]) : []));
  const invoiceLinks = links.filter((link) => String(link?.TxnType).toLowerCase() === 'invoice');
  if (invoiceLinks.length !== 1) {
    throw faults.invalidRequest('the sandbox needs a Payment to link exactly one Invoice (Line[].LinkedTxn)');
  }
  const key = keyOf(invoiceLinks[0]!.TxnId);
  const invoice = key === null ? undefined : ctx.world.invoices[key];
  if (!invoice || invoice.deletedAt || invoice.customerKey !== customerKey) {
    throw faults.invalidReference(`Invoice ${String(invoiceLinks[0]!.TxnId)} of this customer does not exist`);
  }
  return invoice.key;
}

function reapply(ctx: WriteContext, payment: Payment): void {
  const invoice = ctx.world.invoices[payment.invoiceKey];
  if (!invoice) return;
  settle(ctx, invoice);
  touchInvoice(ctx, invoice);
}

const exists = (ctx: WriteContext) => (payment: Payment) =>
  !payment.deletedAt && inQuickbooks(ctx.world.customers[payment.customerKey]);

/** `POST /payment`: records the payment and lowers the linked invoice's balance (bumping its SyncToken). */
export function createPayment(ctx: WriteContext, body: Body): WriteResult {
  const customerKey = customerKeyFrom(ctx, body);
  const amount = amountAt(body, 'TotalAmt');
  const invoiceKey = linkedInvoiceKey(ctx, body, customerKey);
  const paidAt = dateAt(body, 'TxnDate') ?? ctx.now;
  const payment: Payment = {
    key: ctx.world.payments.length,
    customerKey,
    invoiceKey,
    amount,
    paidAt,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
    syncToken: 0,
  };
  ctx.world.payments.push(payment);
  reapply(ctx, payment);
  return { key: payment.key, action: 'create' };
}

export function updatePayment(ctx: WriteContext, body: Body): WriteResult {
  const payment = rowById(ctx.world.payments, body, 'Payment', exists(ctx));
  checkSyncToken(payment.syncToken, body);
  if (body.TotalAmt !== undefined) payment.amount = amountAt(body, 'TotalAmt');
  payment.paidAt = dateAt(body, 'TxnDate') ?? payment.paidAt;
  payment.syncToken += 1;
  payment.updatedAt = ctx.now;
  reapply(ctx, payment);
  return { key: payment.key, action: 'update' };
}

export function deletePayment(ctx: WriteContext, body: Body): WriteResult {
  const payment = rowById(ctx.world.payments, body, 'Payment', exists(ctx));
  checkSyncToken(payment.syncToken, body);
  payment.deletedAt = ctx.now;
  payment.syncToken += 1;
  payment.updatedAt = ctx.now;
  reapply(ctx, payment);
  return { key: payment.key, action: 'delete' };
}
