import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { Job } from './job.js';
import { currencyProperty, moneyProperty, vendorRecordProperties } from './vendor-record.js';

/** A QuickBooks Purchase (or bill); linked to a job or client when it is billable, for job costing. */
export const ExpenseSchema = defineEntity({
  name: 'Expense',
  tableName: 'expenses',
  properties: {
    ...baseProperties(),
    ...vendorRecordProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    number: p.string().length(50).nullable(),
    status: p.string().length(50).index(),
    payeeName: p.string().nullable(),
    category: p.string().nullable().index(),
    paymentType: p.string().length(50).nullable(),
    amount: moneyProperty(),
    currency: currencyProperty(),
    incurredOn: p.date().nullable().index(),
    paidOn: p.date().nullable(),
    /** QuickBooks' optimistic-lock token, required on every update we send back. */
    syncToken: p.string().length(20).nullable(),
    deletedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['vendor', 'externalId'] }],
  // Keyset orders of the /api/finances lists (the id breaks ties), and pg_trgm for their `q` substring search.
  indexes: [
    { properties: ['createdAt', 'id'] },
    { properties: ['updatedAt', 'id'] },
    { properties: ['amount', 'id'] },
    {
      name: 'expenses_number_trgm_index',
      expression: `create index "expenses_number_trgm_index" on "expenses" using gin ("number" gin_trgm_ops)`,
    },
    {
      name: 'expenses_payee_name_trgm_index',
      expression: `create index "expenses_payee_name_trgm_index" on "expenses" using gin ("payee_name" gin_trgm_ops)`,
    },
  ],
});

export class Expense extends ExpenseSchema.class {}
ExpenseSchema.setClass(Expense);
