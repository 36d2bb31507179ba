import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExternalCustomer } from '../../integrations/core/records.js';
import { EMAIL_KEY_SQL, PHONE_KEY_SQL, type PostalAddress } from '../entities/client.js';
import {
  CUSTOMER_VENDORS,
  VENDOR_ID_COLUMN,
  VENDOR_SEEN_COLUMN,
  emailKey,
  matchablePhoneKey,
  mergeCustomerFields,
  type CustomerVendor,
  type VendorPayloads,
} from './customer-matching.js';
import { distinct, isoOrNull, lastPerExternalId, upsertById, type ColumnTypes } from './vendor-records-sql.js';
import type { MatchDecision, StoreContext, StoreResult } from './vendor-records.js';

/*
 * Customers → clients: one row per real customer across Jobber, QuickBooks and Airtable. Each page is read with
 * `select … for update` and written with one upsert, under a transaction-scoped advisory lock so two vendors'
 * customer syncs never match against each other's half-written pages (which would create duplicates or lose a
 * payload in custom_fields).
 */

const CLIENT_COLUMNS = {
  id: 'uuid',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  name: 'varchar(255)',
  email: 'varchar(255)',
  phone: 'varchar(50)',
  address: 'jsonb',
  jobber_id: 'varchar(100)',
  quickbooks_id: 'varchar(100)',
  airtable_id: 'varchar(100)',
  custom_fields: 'jsonb',
  sync_status: 'varchar(50)',
  last_synced_at: 'timestamptz',
  jobber_synced_at: 'timestamptz',
  quickbooks_synced_at: 'timestamptz',
  airtable_synced_at: 'timestamptz',
  deleted_at: 'timestamptz',
} as const satisfies ColumnTypes;

const TIME_COLUMNS = [
  'created_at',
  'updated_at',
  'last_synced_at',
  'jobber_synced_at',
  'quickbooks_synced_at',
  'airtable_synced_at',
  'deleted_at',
] as const;

/** Columns whose change is not a change of the customer, only of when we saw it. */
const SEEN_COLUMNS = new Set([
  'updated_at',
  'last_synced_at',
  'jobber_synced_at',
  'quickbooks_synced_at',
  'airtable_synced_at',
]);

type ClientState = {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
  custom_fields: Record<string, unknown> | null;
  sync_status: string | null;
} & Record<(typeof VENDOR_ID_COLUMN)[CustomerVendor], string | null> &
  Record<(typeof TIME_COLUMNS)[number], string | null>;

const SELECT_LIST = Object.keys(CLIENT_COLUMNS)
  .map((name) => `"${name}"`)
  .join(', ');
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('vendor-records:clients'))`;

function readState(row: Record<string, unknown>): ClientState {
  const state = { ...row } as ClientState;
  for (const column of TIME_COLUMNS) state[column] = isoOrNull(row[column]);
  return state;
}

const snapshot = (state: ClientState) => JSON.parse(JSON.stringify(state)) as ClientState;

function contentChanged(before: ClientState | undefined, after: ClientState): boolean {
  if (!before) return true;
  return Object.keys(CLIENT_COLUMNS).some(
    (column) =>
      !SEEN_COLUMNS.has(column) &&
      !isDeepStrictEqual(before[column as keyof ClientState], after[column as keyof ClientState]),
  );
}

const laterOf = (current: string | null, next: string) => (current !== null && current > next ? current : next);

function payloadsOf(state: ClientState): VendorPayloads {
  return ((state.custom_fields?.vendors as VendorPayloads | undefined) ?? {}) as VendorPayloads;
}

/** Recomputes name, email, phone, address and status from the vendors still linked to the row. */
function applyPrecedence(state: ClientState): void {
  const linked = CUSTOMER_VENDORS.filter((vendor) => state[VENDOR_ID_COLUMN[vendor]] !== null);
  const merged = mergeCustomerFields(payloadsOf(state), linked, {
    name: state.name,
    email: state.email,
    phone: state.phone,
    address: state.address,
    syncStatus: state.sync_status,
  });
  Object.assign(state, {
    name: merged.name,
    email: merged.email,
    phone: merged.phone,
    address: merged.address,
    sync_status: merged.syncStatus,
  });
}

function newState(now: string): ClientState {
  const state = Object.fromEntries(
    Object.keys(CLIENT_COLUMNS).map((column) => [column, null]),
  ) as unknown as ClientState;
  return Object.assign(state, { id: randomUUID(), created_at: now, updated_at: now, name: '' });
}

/** Writes the rows that changed at all; `updated_at` moves only when the customer itself changed. */
async function writeChanged(
  em: EntityManager,
  states: Iterable<ClientState>,
  originals: Map<string, ClientState>,
  now: string,
): Promise<Set<string>> {
  const rows: ClientState[] = [];
  const changed = new Set<string>();
  for (const state of states) {
    const before = originals.get(state.id);
    if (contentChanged(before, state)) {
      changed.add(state.id);
      if (before) state.updated_at = now;
    }
    if (!before || !isDeepStrictEqual(before, snapshot(state))) rows.push(state);
  }
  await upsertById(em, 'clients', CLIENT_COLUMNS, rows);
  return changed;
}

async function selectClients(em: EntityManager, where: string, params: unknown[]): Promise<ClientState[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${SELECT_LIST} from "clients" where ${where} order by "created_at", "id" for update`,
    params,
  );
  return rows.map(readState);
}

export async function storeCustomers(
  em: EntityManager,
  vendor: CustomerVendor,
  records: readonly ExternalCustomer[],
  context: StoreContext,
): Promise<StoreResult> {
  const result: StoreResult = { inserted: 0, updated: 0, merged: 0, decisions: [] };
  const page = lastPerExternalId(records);
  if (page.length === 0) return result;
  const idColumn = VENDOR_ID_COLUMN[vendor];
  const seenColumn = VENDOR_SEEN_COLUMN[vendor];
  const now = new Date().toISOString();
  const syncedAt = context.syncedAt.toISOString();
  await em.execute(LOCK_SQL);

  const ids = page.map((record) => record.externalId);
  const emails = distinct(page.map((record) => emailKey(record.email)));
  const phones = distinct(page.map((record) => matchablePhoneKey(record.phone)));
  const conditions = [`"${idColumn}" in (?)`];
  const unclaimed = `"${idColumn}" is null and "deleted_at" is null`;
  if (emails.length > 0) conditions.push(`(${unclaimed} and ${EMAIL_KEY_SQL} in (?))`);
  if (phones.length > 0) conditions.push(`(${unclaimed} and ${PHONE_KEY_SQL} in (?))`);
  const params = [ids, ...(emails.length > 0 ? [emails] : []), ...(phones.length > 0 ? [phones] : [])];
  const loaded = new Map<string, ClientState>();
  for (const state of await selectClients(em, conditions.join(' or '), params)) loaded.set(state.id, state);

  const byExternalId = new Map<string, ClientState>();
  for (const state of loaded.values()) if (state[idColumn] !== null) byExternalId.set(state[idColumn], state);
  // A customer this vendor deleted and now lists again: markDeleted cleared its id but kept its last payload.
  const unmatched = ids.filter((id) => !byExternalId.has(id));
  if (unmatched.length > 0) {
    const revived = await selectClients(
      em,
      `"${idColumn}" is null and "${seenColumn}" is not null and "custom_fields"->'vendors'->?->>'externalId' in (?)`,
      [vendor, unmatched],
    );
    for (const state of revived) {
      const externalId = payloadsOf(state)[vendor]?.externalId;
      if (externalId !== undefined && !byExternalId.has(externalId)) byExternalId.set(externalId, state);
      loaded.set(state.id, state);
    }
  }
  const originals = new Map([...loaded.values()].map((state) => [state.id, snapshot(state)]));

  const claimable = (state: ClientState) => state[idColumn] === null && state.deleted_at === null;
  for (const record of page) {
    let matchedBy: MatchDecision['matchedBy'] = 'external_id';
    let state = byExternalId.get(record.externalId);
    const email = emailKey(record.email);
    const phone = matchablePhoneKey(record.phone);
    if (!state && email !== null) {
      state = [...loaded.values()].find((candidate) => claimable(candidate) && emailKey(candidate.email) === email);
      matchedBy = 'email';
    }
    if (!state && phone !== null) {
      state = [...loaded.values()].find(
        (candidate) => claimable(candidate) && matchablePhoneKey(candidate.phone) === phone,
      );
      matchedBy = 'phone';
    }
    if (!state) {
      state = newState(now);
      loaded.set(state.id, state);
      matchedBy = 'new';
    }
    state[idColumn] = record.externalId;
    state.custom_fields = { ...state.custom_fields, vendors: { ...payloadsOf(state), [vendor]: record } };
    state[seenColumn] = laterOf(state[seenColumn], syncedAt);
    state.last_synced_at = laterOf(state.last_synced_at, syncedAt);
    state.deleted_at = null;
    applyPrecedence(state);
    byExternalId.set(record.externalId, state);
    result.decisions.push({ externalId: record.externalId, clientId: state.id, matchedBy });
  }

  const changed = await writeChanged(em, loaded.values(), originals, now);
  for (const decision of result.decisions) {
    if (decision.matchedBy === 'new') result.inserted += 1;
    else if (decision.matchedBy !== 'external_id') result.merged += 1;
    else if (changed.has(decision.clientId)) result.updated += 1;
  }
  return result;
}

/**
 * Removes this vendor from the customers it no longer has: clears the vendor's id (its last payload stays in
 * custom_fields), recomputes the fields from the vendors still linked, and soft-deletes the client once no vendor
 * id remains. `which` picks the rows: the given external ids, or those this vendor's sync has not seen since a time.
 */
export async function unlinkCustomers(
  em: EntityManager,
  vendor: CustomerVendor,
  which: { externalIds: string[] } | { notSeenSince: Date },
  at: Date,
): Promise<number> {
  const idColumn = VENDOR_ID_COLUMN[vendor];
  const seenColumn = VENDOR_SEEN_COLUMN[vendor];
  if ('externalIds' in which && which.externalIds.length === 0) return 0;
  await em.execute(LOCK_SQL);
  const states =
    'externalIds' in which
      ? await selectClients(em, `"${idColumn}" in (?)`, [distinct(which.externalIds)])
      : await selectClients(
          em,
          `"${idColumn}" is not null and ("${seenColumn}" is null or "${seenColumn}" < ?::timestamptz)`,
          [which.notSeenSince.toISOString()],
        );
  const originals = new Map(states.map((state) => [state.id, snapshot(state)]));
  const now = new Date().toISOString();
  for (const state of states) {
    state[idColumn] = null;
    applyPrecedence(state);
    const linked = CUSTOMER_VENDORS.some((other) => state[VENDOR_ID_COLUMN[other]] !== null);
    if (!linked) state.deleted_at ??= at.toISOString();
  }
  await writeChanged(em, states, originals, now);
  return states.length;
}
