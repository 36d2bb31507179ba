import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, tagsProperty } from './base.js';
import { CLIENT_VERSIONED_COLUMNS, versionTrigger } from './version-trigger.js';

export interface PostalAddress {
  street1?: string;
  street2?: string;
  city?: string;
  province?: string;
  postalCode?: string;
  country?: string;
}

/*
 * Match keys of the customer matcher, as SQL over the stored columns: the email trimmed and lower-cased; the phone
 * as digits only, without the leading 1 of an 11-digit NANP number. Expression indexes rather than stored columns,
 * so a client edited anywhere is matched by its current email and phone.
 */
export const EMAIL_KEY_SQL = `nullif(lower(btrim(email)), '')`;
export const PHONE_KEY_SQL = `nullif(regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^1([0-9]{10})$', '\\1'), '')`;

/*
 * One row per real customer, matched across vendors. The vendor id columns use plain UNIQUE constraints rather than
 * partial indexes: PostgreSQL already lets NULLs repeat under UNIQUE, and a plain constraint is what
 * `INSERT ... ON CONFLICT (jobber_id)` (and so `em.upsert`) can infer; a partial index would need its predicate
 * repeated in every upsert.
 */
export const ClientSchema = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    ...baseProperties(),
    name: p.string().index(),
    email: p.string().nullable().index(),
    phone: p.string().length(50).nullable(),
    address: p.json<PostalAddress>().nullable(),
    jobberId: p.string().length(100).nullable().unique(),
    quickbooksId: p.string().length(100).nullable().unique(),
    airtableId: p.string().length(100).nullable().unique(),
    tags: tagsProperty(),
    customFields: p.json<Record<string, unknown>>().nullable(),
    lastSyncedAt: p.datetime().nullable(),
    syncStatus: p.string().length(50).nullable(),
    /*
     * When each vendor's sync last saw this customer: a full sync of one vendor treats rows it did not see as
     * deleted in that vendor only (db/repositories/vendor-records-customers.ts).
     */
    jobberSyncedAt: p.datetime().nullable(),
    quickbooksSyncedAt: p.datetime().nullable(),
    airtableSyncedAt: p.datetime().nullable(),
    /** Soft delete: set once no vendor still has this customer, or by the API (rules in db/repositories/clients.ts). */
    deletedAt: p.datetime().nullable().index(),
    /**
     * Optimistic-concurrency counter. Not MikroORM's `.version()`: the data mapper writes rows with raw SQL, so a
     * trigger (version-trigger.ts) bumps it on every change of the content columns, whoever writes.
     */
    version: p.integer().default(1),
  },
  triggers: [versionTrigger('clients', CLIENT_VERSIONED_COLUMNS)],
  indexes: [
    { properties: ['updatedAt'] },
    // Keyset orders of GET /api/clients (the id breaks ties).
    { properties: ['createdAt', 'id'] },
    { properties: ['name', 'id'] },
    { properties: ['updatedAt', 'id'] },
    // Substring search (`ilike '%…%'`) of GET /api/clients?q=, through pg_trgm.
    {
      name: 'clients_name_trgm_index',
      expression: `create index "clients_name_trgm_index" on "clients" using gin ("name" gin_trgm_ops)`,
    },
    {
      name: 'clients_email_trgm_index',
      expression: `create index "clients_email_trgm_index" on "clients" using gin ("email" gin_trgm_ops)`,
    },
    {
      name: 'clients_phone_trgm_index',
      expression: `create index "clients_phone_trgm_index" on "clients" using gin ("phone" gin_trgm_ops)`,
    },
    // The customer matcher's keys (db/repositories/customer-matching.ts); a query must repeat the expression exactly.
    {
      name: 'clients_email_key_index',
      expression: `create index "clients_email_key_index" on "clients" (${EMAIL_KEY_SQL})`,
    },
    {
      name: 'clients_phone_key_index',
      expression: `create index "clients_phone_key_index" on "clients" (${PHONE_KEY_SQL})`,
    },
  ],
});

export class Client extends ClientSchema.class {}
ClientSchema.setClass(Client);
