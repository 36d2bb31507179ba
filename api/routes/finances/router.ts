import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate, validated } from '../../validation.js';
import { listExpenses, listInvoices, listPayments } from './lists.js';
import { computeReport, createReportReader, reportRequestOf, type ComputeReport } from './reports.js';
import {
  expenseListQuery,
  invoiceListQuery,
  paymentListQuery,
  reportQuery,
  type ExpenseListQuery,
  type InvoiceListQuery,
  type PaymentListQuery,
  type ReportQuery,
} from './schemas.js';

export interface FinancesRouterOptions {
  /** Where the routes live; tests mount a second copy elsewhere to observe its computations. */
  prefix?: string;
  computeReport?: ComputeReport;
}

/** /api/finances: invoices, payments and expenses as synced from the vendors, and the reports over them (admins). */
export function financesRouter(deps: AppDeps, options: FinancesRouterOptions = {}): Router {
  const router = new Router({ prefix: options.prefix ?? '/api/finances' });
  const reports = createReportReader(deps, options.computeReport ?? computeReport);
  const canRead = requirePermission(deps.orm, 'finances:read');

  router.get('/invoices', canRead, validate({ query: invoiceListQuery }), async (ctx) => {
    ctx.body = await listInvoices(deps.orm.em.fork(), validated<InvoiceListQuery>(ctx, 'query'));
  });

  router.get('/payments', canRead, validate({ query: paymentListQuery }), async (ctx) => {
    ctx.body = await listPayments(deps.orm.em.fork(), validated<PaymentListQuery>(ctx, 'query'));
  });

  router.get('/expenses', canRead, validate({ query: expenseListQuery }), async (ctx) => {
    ctx.body = await listExpenses(deps.orm.em.fork(), validated<ExpenseListQuery>(ctx, 'query'));
  });

  router.get('/reports', canRead, validate({ query: reportQuery }), async (ctx) => {
    const answer = await reports.read(reportRequestOf(validated<ReportQuery>(ctx, 'query')));
    ctx.set('X-Cache', answer.hit ? 'hit' : 'miss');
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.type = 'application/json';
    ctx.body = answer.json;
  });

  return router;
}
