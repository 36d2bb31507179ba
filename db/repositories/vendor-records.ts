import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExternalCustomer, ResourceRecords, SyncResource } from '../../integrations/core/records.js';
import type { Vendor } from '../entities/enums.js';
import { VENDOR_ID_COLUMN, isCustomerVendor } from './customer-matching.js';
import { storeCustomers, unlinkCustomers } from './vendor-records-customers.js';
import { LINK_TABLES, RESOURCE_SPECS, type LinkTarget, type ResourceSpec } from './vendor-records-resources.js';
import { distinct, isoOrNull, lastPerExternalId, touch, upsertById, type Row } from './vendor-records-sql.js';

/*
 * The data mapper: writes pages of vendor records (integrations/core/records.ts) into the unified tables. The caller
 * owns the transaction (one per page, with its sync_log row); each call issues a handful of statements per page,
 * never one per record, and storing the same page twice leaves the rows as they were.
 */

export interface StoreContext {
  connectionId: string;
  syncedAt: Date;
  /** Google calendar the events of this page belong to (default `primary`). */
  calendarId?: string;
}

export interface MatchDecision {
  externalId: string;
  clientId: string;
  matchedBy: 'external_id' | 'email' | 'phone' | 'new';
}

export interface StoreResult {
  inserted: number;
  /** Rows found by their external id whose content changed; a row seen again unchanged is not counted. */
  updated: number;
  /** Customers merged into an existing client by email or phone. */
  merged: number;
  /** Customers only: how each record found its client. */
  decisions: MatchDecision[];
}

const COMMON_COLUMNS = {
  id: 'uuid',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  vendor: 'text',
  external_id: 'varchar(255)',
  raw: 'jsonb',
  last_synced_at: 'timestamptz',
  deleted_at: 'timestamptz',
} as const;

export async function storeRecords<K extends SyncResource>(
  em: EntityManager,
  vendor: Vendor,
  resource: K,
  records: ResourceRecords[K][],
  context: StoreContext,
): Promise<StoreResult> {
  if (resource === 'customers') {
    if (!isCustomerVendor(vendor)) throw new Error(`the data mapper keeps no customers of ${vendor}`);
    return storeCustomers(em, vendor, records as ExternalCustomer[], context);
  }
  const spec = RESOURCE_SPECS[resource as Exclude<SyncResource, 'customers'>] as unknown as ResourceSpec<
    ResourceRecords[K]
  >;
  return storeResource(em, vendor, spec, records, context);
}

/** Soft-deletes the vendor's records with these external ids (customers: see unlinkCustomers). */
export async function markDeleted(
  em: EntityManager,
  vendor: Vendor,
  resource: SyncResource,
  externalIds: string[],
  at: Date,
): Promise<number> {
  if (externalIds.length === 0) return 0;
  if (resource === 'customers') {
    return isCustomerVendor(vendor) ? unlinkCustomers(em, vendor, { externalIds }, at) : 0;
  }
  const { table } = RESOURCE_SPECS[resource];
  const result = await em.execute<{ affectedRows: number }>(
    `update "${table}" set "deleted_at" = ?::timestamptz, "updated_at" = now() ` +
      `where "vendor" = ? and "external_id" in (?) and "deleted_at" is null`,
    [at.toISOString(), vendor, distinct(externalIds)],
    'run',
  );
  return result.affectedRows;
}

/**
 * After a full sync that started at `fullSyncStartedAt`: the vendor's rows of this resource that the sync did not
 * see are deleted the same way as by markDeleted. `scope.calendarId` limits calendar events to one calendar.
 */
export async function reconcileDeletions(
  em: EntityManager,
  vendor: Vendor,
  resource: SyncResource,
  fullSyncStartedAt: Date,
  scope: { calendarId?: string } = {},
): Promise<number> {
  const now = new Date();
  if (resource === 'customers') {
    return isCustomerVendor(vendor) ? unlinkCustomers(em, vendor, { notSeenSince: fullSyncStartedAt }, now) : 0;
  }
  const { table } = RESOURCE_SPECS[resource];
  const calendar = resource === 'calendarEvents' && scope.calendarId !== undefined;
  const result = await em.execute<{ affectedRows: number }>(
    `update "${table}" set "deleted_at" = ?::timestamptz, "updated_at" = now() ` +
      `where "vendor" = ? and "deleted_at" is null and ("last_synced_at" is null or "last_synced_at" < ?::timestamptz)` +
      (calendar ? ` and "calendar_id" = ?` : ''),
    [now.toISOString(), vendor, fullSyncStartedAt.toISOString(), ...(calendar ? [scope.calendarId] : [])],
    'run',
  );
  return result.affectedRows;
}

/** Maps external ids of one link target to our ids, within the same vendor. */
async function resolveLinks(
  em: EntityManager,
  vendor: Vendor,
  target: LinkTarget,
  externalIds: string[],
): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  let rows: { id: string; external_id: string }[];
  if (target === 'client') {
    if (!isCustomerVendor(vendor)) return new Map();
    const column = VENDOR_ID_COLUMN[vendor];
    rows = await em.execute(`select "id", "${column}" as "external_id" from "clients" where "${column}" in (?)`, [
      externalIds,
    ]);
  } else {
    rows = await em.execute(
      `select "id", "external_id" from "${LINK_TABLES[target]}" where "vendor" = ? and "external_id" in (?)`,
      [vendor, externalIds],
    );
  }
  return new Map(rows.map((row) => [row.external_id, row.id]));
}

async function storeResource<R extends { externalId: string }>(
  em: EntityManager,
  vendor: Vendor,
  spec: ResourceSpec<R>,
  records: readonly R[],
  context: StoreContext,
): Promise<StoreResult> {
  const result: StoreResult = { inserted: 0, updated: 0, merged: 0, decisions: [] };
  const page = lastPerExternalId(records);
  if (page.length === 0) return result;
  const now = new Date().toISOString();
  const syncedAt = context.syncedAt.toISOString();

  const resolved = new Map<LinkTarget, Map<string, string>>();
  for (const target of spec.links) {
    const ids = distinct(page.map((record) => spec.linksOf(record)[target]));
    resolved.set(target, await resolveLinks(em, vendor, target, ids));
  }
  const ids = page.map((record) => record.externalId);
  const legacy = spec.legacyId?.vendor === vendor ? spec.legacyId.column : null;
  const existingRows = await em.execute<Row[]>(
    `select * from "${spec.table}" where ("vendor" = ? and "external_id" in (?))` +
      (legacy === null ? '' : ` or "${legacy}" in (?)`),
    [vendor, ids, ...(legacy === null ? [] : [ids])],
  );
  const existing = new Map(
    existingRows.map((row) => [(row.external_id ?? (legacy === null ? null : row[legacy])) as string, row]),
  );

  const rows: Row[] = [];
  const seenAgain: string[] = [];
  for (const record of page) {
    const before = existing.get(record.externalId);
    const links: Row = {};
    for (const target of spec.links) {
      const externalId = spec.linksOf(record)[target] ?? null;
      const id = externalId === null ? undefined : resolved.get(target)?.get(externalId);
      // A link we cannot resolve now keeps the row it had, as long as the record still names the same one.
      const sameTarget = before?.raw && spec.linksOf(before.raw as unknown as R)[target] === externalId;
      links[`${target}_id`] = id ?? (sameTarget ? (before?.[`${target}_id`] ?? null) : null);
    }
    const mapped = spec.map(record, vendor, context, before);
    const raw = JSON.parse(JSON.stringify(record)) as Row;
    const changed =
      !before ||
      before.vendor !== vendor ||
      before.deleted_at !== null ||
      !isDeepStrictEqual(before.raw, raw) ||
      Object.entries(links).some(([column, value]) => before[column] !== value) ||
      (mapped.calendar_id !== undefined && before.calendar_id !== mapped.calendar_id);
    const lastSyncedAt = isoOrNull(before?.last_synced_at);
    if (!changed) {
      if (lastSyncedAt === null || lastSyncedAt < syncedAt) seenAgain.push(before.id as string);
      continue;
    }
    if (before) result.updated += 1;
    else result.inserted += 1;
    rows.push({
      id: before?.id ?? randomUUID(),
      created_at: isoOrNull(before?.created_at) ?? now,
      updated_at: now,
      vendor,
      external_id: record.externalId,
      raw,
      last_synced_at: lastSyncedAt !== null && lastSyncedAt > syncedAt ? lastSyncedAt : syncedAt,
      deleted_at: null,
      ...links,
      ...mapped,
    });
  }
  const linkColumns = Object.fromEntries(spec.links.map((target) => [`${target}_id`, 'uuid']));
  await upsertById(em, spec.table, { ...COMMON_COLUMNS, ...linkColumns, ...spec.columns }, rows);
  await touch(em, spec.table, 'last_synced_at', seenAgain, context.syncedAt);
  return result;
}
