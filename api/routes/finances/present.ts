import type { Expense, Invoice, Payment } from '../../../db/entities/index.js';

/* Finance records as the API shows them: money stays the decimal string PostgreSQL returned, days stay YYYY-MM-DD. */

export function presentInvoice(invoice: Invoice) {
  return {
    id: invoice.id,
    number: invoice.number ?? null,
    status: invoice.status,
    clientId: invoice.client?.id ?? null,
    jobId: invoice.job?.id ?? null,
    subtotal: invoice.subtotal ?? null,
    taxTotal: invoice.taxTotal ?? null,
    total: invoice.total,
    balance: invoice.balance,
    currency: invoice.currency,
    issuedOn: invoice.issuedOn ?? null,
    dueOn: invoice.dueOn ?? null,
    paidOn: invoice.paidOn ?? null,
    vendor: invoice.vendor,
    externalId: invoice.externalId,
    createdAt: invoice.createdAt.toISOString(),
    updatedAt: invoice.updatedAt.toISOString(),
  };
}

export function presentPayment(payment: Payment) {
  return {
    id: payment.id,
    number: payment.number ?? null,
    status: payment.status,
    clientId: payment.client?.id ?? null,
    invoiceId: payment.invoice?.id ?? null,
    amount: payment.amount,
    currency: payment.currency,
    method: payment.method ?? null,
    paidOn: payment.paidOn ?? null,
    vendor: payment.vendor,
    externalId: payment.externalId,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}

export function presentExpense(expense: Expense) {
  return {
    id: expense.id,
    number: expense.number ?? null,
    status: expense.status,
    clientId: expense.client?.id ?? null,
    jobId: expense.job?.id ?? null,
    payeeName: expense.payeeName ?? null,
    category: expense.category ?? null,
    paymentType: expense.paymentType ?? null,
    amount: expense.amount,
    currency: expense.currency,
    incurredOn: expense.incurredOn ?? null,
    paidOn: expense.paidOn ?? null,
    vendor: expense.vendor,
    externalId: expense.externalId,
    createdAt: expense.createdAt.toISOString(),
    updatedAt: expense.updatedAt.toISOString(),
  };
}
