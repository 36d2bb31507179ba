import { dashboardIndexesOf } from './dashboard-indexes.js';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { Job } from './job.js';
import { currencyProperty, moneyProperty, vendorRecordProperties } from './vendor-record.js';

export const InvoiceSchema = defineEntity({
  name: 'Invoice',
  tableName: 'invoices',
  properties: {
    ...baseProperties(),
    ...vendorRecordProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    number: p.string().length(50).nullable(),
    status: p.string().length(50).index(),
    subtotal: moneyProperty().nullable(),
    taxTotal: moneyProperty().nullable(),
    total: moneyProperty().default('0.00'),
    /** Amount still owed (QuickBooks `Balance`). */
    balance: moneyProperty().default('0.00'),
    currency: currencyProperty(),
    issuedOn: p.date().nullable().index(),
    dueOn: p.date().nullable().index(),
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
    { properties: ['total', 'id'] },
    { properties: ['balance', 'id'] },
    { properties: ['status', 'createdAt', 'id'] },
    { properties: ['client', 'createdAt', 'id'] },
    {
      name: 'invoices_number_trgm_index',
      expression: `create index "invoices_number_trgm_index" on "invoices" using gin ("number" gin_trgm_ops)`,
    },
    ...dashboardIndexesOf('invoices'),
  ],
});

export class Invoice extends InvoiceSchema.class {}
InvoiceSchema.setClass(Invoice);
