import { dashboardIndexesOf } from './dashboard-indexes.js';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { Invoice } from './invoice.js';
import { currencyProperty, moneyProperty, vendorRecordProperties } from './vendor-record.js';

export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    ...baseProperties(),
    ...vendorRecordProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    // A payment belongs to an invoice rather than a job; QuickBooks can split one payment over several invoices,
    // in which case this points at the first and `raw` keeps the rest.
    invoice: () => p.manyToOne(Invoice).ref().nullable().deleteRule('set null').index(),
    number: p.string().length(50).nullable(),
    status: p.string().length(50).index(),
    amount: moneyProperty(),
    currency: currencyProperty(),
    method: p.string().length(50).nullable(),
    paidOn: p.date().nullable().index(),
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
      name: 'payments_number_trgm_index',
      expression: `create index "payments_number_trgm_index" on "payments" using gin ("number" gin_trgm_ops)`,
    },
    ...dashboardIndexesOf('payments'),
  ],
});

export class Payment extends PaymentSchema.class {}
PaymentSchema.setClass(Payment);
