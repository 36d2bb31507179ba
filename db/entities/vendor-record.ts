import { p } from '@mikro-orm/core';
import { VENDORS } from './enums.js';

/*
 * Columns of a row that mirrors one vendor record. Entities that spread these also declare
 * `uniques: [{ properties: ['vendor', 'externalId'] }]`, the key every sync upsert uses so a retried activity
 * updates the row instead of duplicating it.
 */
export function vendorRecordProperties() {
  return {
    vendor: p.enum(VENDORS),
    externalId: p.string().length(100),
    /** The vendor payload as last received, for fields we do not map yet and for debugging. */
    raw: p.json<Record<string, unknown>>().nullable(),
    lastSyncedAt: p.datetime().nullable(),
  };
}

/** Amounts are numeric(12,2) read as strings: floats would round cents. */
export function moneyProperty() {
  return p.decimal().precision(12).scale(2);
}

/** ISO 4217 code; vendors omit it for the company's home currency. */
export function currencyProperty() {
  return p.string().length(3).default('USD');
}
