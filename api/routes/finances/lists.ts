import type { EntityManager } from '@mikro-orm/postgresql';
import { Expense, Invoice, Payment } from '../../../db/entities/index.js';
import { CLOSED_INVOICE_STATUSES } from '../../../db/repositories/finance-reports.js';
import { likeContains } from '../../like.js';
import { afterListCursor, orderByOf, parseSort, toSortedPage, type SortableFields } from '../../list-query.js';
import type { Page } from '../../pagination.js';
import { presentExpense, presentInvoice, presentPayment } from './present.js';
import { assertDayOrder, todayUtc } from './ranges.js';
import {
  EXPENSE_SORTS,
  INVOICE_SORTS,
  PAYMENT_SORTS,
  type ExpenseListQuery,
  type InvoiceListQuery,
  type PaymentListQuery,
} from './schemas.js';

type Filter = Record<string, unknown>;

/** Filters every finance list shares; `dayColumn` is the entity's own date (issued, paid, incurred). */
function commonFilters(query: InvoiceListQuery | PaymentListQuery | ExpenseListQuery, dayColumn: string): Filter[] {
  assertDayOrder(query.from, query.to);
  const filters: Filter[] = [{ deletedAt: null }];
  if (query.status) filters.push({ status: { $in: query.status } });
  if (query.clientId) filters.push({ client: query.clientId });
  if (query.vendor) filters.push({ vendor: query.vendor });
  if (query.from) filters.push({ [dayColumn]: { $gte: query.from } });
  if (query.to) filters.push({ [dayColumn]: { $lte: query.to } });
  return filters;
}

async function sortedPage<E extends { id: string }, T>(
  em: EntityManager,
  entity: new () => E,
  query: { limit: number; cursor?: string; sort: string },
  sorts: SortableFields,
  filters: Filter[],
  present: (row: E) => T,
): Promise<Page<T>> {
  const order = parseSort(query.sort, sorts);
  const rows = await em.find(entity, { $and: [...filters, afterListCursor(query.cursor, order)] } as never, {
    orderBy: orderByOf(order) as never,
    limit: query.limit + 1,
  });
  return toSortedPage(rows as E[], query.limit, order, present);
}

export function listInvoices(em: EntityManager, query: InvoiceListQuery) {
  const filters = commonFilters(query, 'issuedOn');
  if (query.jobId) filters.push({ job: query.jobId });
  if (query.q) filters.push({ number: { $ilike: likeContains(query.q) } });
  if (query.overdue === true) {
    filters.push({ dueOn: { $lt: todayUtc() }, balance: { $gt: 0 }, status: { $nin: [...CLOSED_INVOICE_STATUSES] } });
  }
  return sortedPage(em, Invoice, query, INVOICE_SORTS, filters, presentInvoice);
}

export function listPayments(em: EntityManager, query: PaymentListQuery) {
  const filters = commonFilters(query, 'paidOn');
  if (query.invoiceId) filters.push({ invoice: query.invoiceId });
  if (query.method) filters.push({ method: query.method });
  if (query.q) filters.push({ number: { $ilike: likeContains(query.q) } });
  return sortedPage(em, Payment, query, PAYMENT_SORTS, filters, presentPayment);
}

export function listExpenses(em: EntityManager, query: ExpenseListQuery) {
  const filters = commonFilters(query, 'incurredOn');
  if (query.jobId) filters.push({ job: query.jobId });
  if (query.category) filters.push({ category: { $in: query.category } });
  if (query.q) {
    const pattern = likeContains(query.q);
    filters.push({ $or: [{ payeeName: { $ilike: pattern } }, { number: { $ilike: pattern } }] });
  }
  return sortedPage(em, Expense, query, EXPENSE_SORTS, filters, presentExpense);
}
