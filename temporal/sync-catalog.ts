import type { SyncResource } from '../integrations/core/records.js';

/** What each vendor contributes to the unified tables; the API offers exactly these syncs. */
export const SYNC_CATALOG = {
  jobber: ['customers', 'jobs', 'quotes', 'invoices'],
  quickbooks: ['customers', 'invoices', 'payments', 'expenses'],
  google: ['calendarEvents'],
  airtable: ['customers'],
} as const satisfies Record<string, readonly SyncResource[]>;

export type SyncVendor = keyof typeof SYNC_CATALOG;
export const SYNC_VENDORS = Object.keys(SYNC_CATALOG) as SyncVendor[];
export const SYNC_RESOURCES = [...new Set(Object.values(SYNC_CATALOG).flat())] as SyncResource[];

export function syncResourcesOf(vendor: string): SyncResource[] {
  return [...((SYNC_CATALOG as Record<string, readonly SyncResource[]>)[vendor] ?? [])];
}
