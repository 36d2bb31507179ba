import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, tagsProperty } from './base.js';

export interface PostalAddress {
  street1?: string;
  street2?: string;
  city?: string;
  province?: string;
  postalCode?: string;
  country?: string;
}

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
  },
  indexes: [{ properties: ['updatedAt'] }],
});

export class Client extends ClientSchema.class {}
ClientSchema.setClass(Client);
