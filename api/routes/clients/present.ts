import type { Client } from '../../../db/entities/index.js';

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

export function presentClient(client: Client) {
  return { ...presentClientSummary(client), customFields: client.customFields ?? null };
}

/**
 * A client in a list: everything but the custom fields, which also keep every vendor's last payload
 * (`customFields.vendors`) and are read with the client itself (GET /api/clients/:id). Lists do not load them.
 */
type ClientSummaryFields =
  | 'id'
  | 'name'
  | 'email'
  | 'phone'
  | 'address'
  | 'tags'
  | 'jobberId'
  | 'quickbooksId'
  | 'airtableId'
  | 'syncStatus'
  | 'lastSyncedAt'
  | 'version'
  | 'createdAt'
  | 'updatedAt';

/** Entity properties a client list reads. */
export const CLIENT_SUMMARY_FIELDS: readonly ClientSummaryFields[] = [
  'id',
  'name',
  'email',
  'phone',
  'address',
  'tags',
  'jobberId',
  'quickbooksId',
  'airtableId',
  'syncStatus',
  'lastSyncedAt',
  'version',
  'createdAt',
  'updatedAt',
];

export function presentClientSummary(client: Pick<Client, ClientSummaryFields>) {
  return {
    id: client.id,
    name: client.name,
    email: client.email ?? null,
    phone: client.phone ?? null,
    address: client.address ?? null,
    tags: client.tags ?? [],
    jobberId: client.jobberId ?? null,
    quickbooksId: client.quickbooksId ?? null,
    airtableId: client.airtableId ?? null,
    syncStatus: client.syncStatus ?? null,
    lastSyncedAt: iso(client.lastSyncedAt),
    version: client.version,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}
