import { VENDORS } from '../../../db/entities/enums.js';
import { MAX_PAGE_SIZE } from '../../pagination.js';
import {
  dateRangeQueryProperties,
  listQueryProperties,
  textSearchQueryProperty,
  type SortableFields,
} from '../../list-query.js';
import type { JsonSchema, ObjectSchema } from '../../validation.js';

/*
 * Sortable fields are NOT NULL columns only (keyset pagination has no place for a NULL); the issue, due and payment
 * dates are nullable, so lists filter on them (`from`/`to`) and sort by when the row was recorded or by amount.
 */
export const INVOICE_SORTS = {
  createdAt: 'date',
  updatedAt: 'date',
  total: 'number',
  balance: 'number',
} as const satisfies SortableFields;
export const PAYMENT_SORTS = {
  createdAt: 'date',
  updatedAt: 'date',
  amount: 'number',
} as const satisfies SortableFields;
export const EXPENSE_SORTS = {
  createdAt: 'date',
  updatedAt: 'date',
  amount: 'number',
} as const satisfies SortableFields;

const uuid = { type: 'string', format: 'uuid' } as const satisfies JsonSchema;
/** Vendor statuses are the vendors' own words (lower-cased by the sync), so they are not an enum. */
const statuses = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 50 },
  minItems: 1,
  maxItems: 20,
  description: 'One or several statuses (repeat the parameter)',
} as const satisfies JsonSchema;
const vendor = {
  type: 'string',
  enum: VENDORS,
  description: 'The vendor the record was synced from',
} as const satisfies JsonSchema;

export const invoiceListQuery = {
  type: 'object',
  properties: {
    status: statuses,
    clientId: uuid,
    jobId: uuid,
    vendor,
    ...dateRangeQueryProperties,
    overdue: { type: 'boolean', description: 'true: due before today, balance owed, not paid, void or draft' },
    q: { ...textSearchQueryProperty, description: 'Substring of the invoice number' },
    ...listQueryProperties(INVOICE_SORTS, '-createdAt'),
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const paymentListQuery = {
  type: 'object',
  properties: {
    status: statuses,
    clientId: uuid,
    invoiceId: uuid,
    vendor,
    ...dateRangeQueryProperties,
    method: { type: 'string', minLength: 1, maxLength: 50 },
    q: { ...textSearchQueryProperty, description: 'Substring of the payment number' },
    ...listQueryProperties(PAYMENT_SORTS, '-createdAt'),
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const expenseListQuery = {
  type: 'object',
  properties: {
    status: statuses,
    clientId: uuid,
    jobId: uuid,
    vendor,
    ...dateRangeQueryProperties,
    category: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, minItems: 1, maxItems: 20 },
    q: { ...textSearchQueryProperty, description: 'Substring of the payee name or the expense number' },
    ...listQueryProperties(EXPENSE_SORTS, '-createdAt'),
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

interface ListQueryBase {
  status?: string[];
  clientId?: string;
  vendor?: string;
  from?: string;
  to?: string;
  q?: string;
  limit: number;
  cursor?: string;
  sort: string;
}

export interface InvoiceListQuery extends ListQueryBase {
  jobId?: string;
  overdue?: boolean;
}

export interface PaymentListQuery extends ListQueryBase {
  invoiceId?: string;
  method?: string;
}

export interface ExpenseListQuery extends ListQueryBase {
  jobId?: string;
  category?: string[];
}

export const FINANCE_REPORTS = [
  'profit_and_loss',
  'receivables_aging',
  'revenue_by_client',
  'job_profitability',
] as const;
export type FinanceReportName = (typeof FINANCE_REPORTS)[number];

export const reportQuery = {
  type: 'object',
  properties: {
    report: { type: 'string', enum: FINANCE_REPORTS },
    from: {
      ...dateRangeQueryProperties.from,
      description:
        'First day included (YYYY-MM-DD); default January 1 of the year of `to`. Receivables aging: only invoices issued since (default: all)',
    },
    to: {
      ...dateRangeQueryProperties.to,
      description:
        'Last day included (YYYY-MM-DD); default December 31 of the year of `from`. Receivables aging: the as-of day (default today)',
    },
    basis: {
      type: 'string',
      enum: ['accrual', 'cash'],
      default: 'accrual',
      description:
        'Income recognised when invoiced (accrual) or when paid (cash); profit and loss and revenue by client',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: 10,
      description: 'Rows of the ranked reports (revenue by client, job profitability); totals cover every row',
    },
  },
  required: ['report'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface ReportQuery {
  report: FinanceReportName;
  from?: string;
  to?: string;
  basis: 'accrual' | 'cash';
  limit: number;
}
