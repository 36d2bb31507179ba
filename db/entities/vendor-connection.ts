import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { CONNECTION_STATUSES, VENDORS } from './enums.js';

/** Per-resource sync cursors, e.g. `{ clients: '2026-01-01T00:00:00Z', invoices: 'cdc:...' }`. */
export type SyncCursors = Record<string, string>;

export const VendorConnectionSchema = defineEntity({
  name: 'VendorConnection',
  tableName: 'vendor_connections',
  properties: {
    ...baseProperties(),
    vendor: p.enum(VENDORS),
    /** The vendor's account key: QuickBooks realm id, Slack team id, Jobber account id, Google user id, ... */
    externalAccountId: p.string(),
    displayName: p.string().nullable(),
    status: p.enum(CONNECTION_STATUSES).default('connected').index(),
    /*
     * Ciphertext only, as text so callers can store a versioned envelope (key id, iv, tag, data) that survives key
     * rotation; encryption and decryption happen in the callers, never here.
     */
    credentialsEncrypted: p.text().nullable().hidden(),
    tokenExpiresAt: p.datetime().nullable(),
    syncCursors: p.json<SyncCursors>().defaultRaw(`'{}'`),
    lastSyncedAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
    /** Minutes between the periodic incremental syncs its Temporal Schedules start. */
    syncIntervalMinutes: p.integer().default(15),
  },
  uniques: [{ properties: ['vendor', 'externalAccountId'] }],
});

export class VendorConnection extends VendorConnectionSchema.class {}
VendorConnectionSchema.setClass(VendorConnection);
