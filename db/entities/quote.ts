import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { Job } from './job.js';
import { currencyProperty, moneyProperty, vendorRecordProperties } from './vendor-record.js';

export const QuoteSchema = defineEntity({
  name: 'Quote',
  tableName: 'quotes',
  properties: {
    ...baseProperties(),
    ...vendorRecordProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    // Set once the quote is converted into a job.
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    number: p.string().length(50).nullable(),
    title: p.string().nullable(),
    status: p.string().length(50).index(),
    subtotal: moneyProperty().nullable(),
    taxTotal: moneyProperty().nullable(),
    total: moneyProperty().default('0.00'),
    currency: currencyProperty(),
    issuedOn: p.date().nullable().index(),
    expiresOn: p.date().nullable(),
    approvedAt: p.datetime().nullable(),
    /** QuickBooks' optimistic-lock token, required on every update we send back. */
    syncToken: p.string().length(20).nullable(),
    deletedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['vendor', 'externalId'] }],
});

export class Quote extends QuoteSchema.class {}
QuoteSchema.setClass(Quote);
