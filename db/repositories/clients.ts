import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Job, type PostalAddress } from '../entities/index.js';

/*
 * Clients as the CRUD API reads and writes them. Every change runs in one transaction that first locks the row
 * (SELECT … FOR UPDATE), so the version check, the rules and the write are one atomic step: of two writers holding
 * the same version, the second finds the first's new version and loses.
 */

/** The editable fields: what POST sets and PUT replaces. */
export interface ClientFields {
  name: string;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
  tags: string[];
  customFields: Record<string, unknown> | null;
}

/** What a versioned write found instead of doing its work. */
export type WriteRefusal =
  | { refused: 'not_found' }
  | { refused: 'version_mismatch'; currentVersion: number }
  | { refused: 'vendor_owned'; vendors: string[] }
  | { refused: 'has_jobs'; jobCount: number };

export type WriteOutcome<T> = { row: T } | WriteRefusal;

export interface ClientListFilter {
  textPattern?: string;
  tag?: string;
  syncStatus?: string;
  createdFrom?: Date;
  createdTo?: Date;
  updatedFrom?: Date;
  updatedTo?: Date;
}

export function clientListWhere(filter: ClientListFilter): FilterQuery<Client>[] {
  const where: FilterQuery<Client>[] = [{ deletedAt: null }];
  if (filter.textPattern) {
    const like = { $ilike: filter.textPattern };
    where.push({ $or: [{ name: like }, { email: like }, { phone: like }] });
  }
  if (filter.tag) where.push({ tags: { $contains: [filter.tag] } });
  if (filter.syncStatus) where.push({ syncStatus: filter.syncStatus });
  if (filter.createdFrom) where.push({ createdAt: { $gte: filter.createdFrom } });
  if (filter.createdTo) where.push({ createdAt: { $lte: filter.createdTo } });
  if (filter.updatedFrom) where.push({ updatedAt: { $gte: filter.updatedFrom } });
  if (filter.updatedTo) where.push({ updatedAt: { $lte: filter.updatedTo } });
  return where;
}

export function findLiveClient(em: EntityManager, id: string): Promise<Client | null> {
  return em.findOne(Client, { id, deletedAt: null });
}

export async function createClientRow(em: EntityManager, fields: ClientFields): Promise<Client> {
  const client = em.create(Client, { ...fields, version: 1 });
  await em.flush();
  return client;
}

/** The vendors that own a copy of the client; a local delete would be undone by their next sync. */
function owningVendors(client: Client): string[] {
  return [
    ...(client.jobberId ? ['jobber'] : []),
    ...(client.quickbooksId ? ['quickbooks'] : []),
    ...(client.airtableId ? ['airtable'] : []),
  ];
}

async function lockLiveClient(
  em: EntityManager,
  id: string,
  expectedVersion: number | undefined,
): Promise<{ client: Client } | WriteRefusal> {
  const client = await em.findOne(Client, { id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!client) return { refused: 'not_found' };
  if (expectedVersion !== undefined && client.version !== expectedVersion) {
    return { refused: 'version_mismatch', currentVersion: client.version };
  }
  return { client };
}

/** PUT: replaces the editable fields when the row is still at `expectedVersion` (any version when undefined). */
export function replaceClient(
  em: EntityManager,
  id: string,
  fields: ClientFields,
  expectedVersion: number | undefined,
): Promise<WriteOutcome<Client>> {
  return em.transactional(async (tx) => {
    const locked = await lockLiveClient(tx, id, expectedVersion);
    if (!('client' in locked)) return locked;
    const { client } = locked;
    tx.assign(client, { ...fields, version: client.version + 1 });
    await tx.flush();
    return { row: client };
  });
}

/**
 * Soft delete. Refused for a client a vendor still holds (delete it there; its sync removes it here) and for one
 * with live jobs, unless `cascade`, which soft-deletes its jobs too (none of which may be a vendor's).
 */
export function softDeleteClient(
  em: EntityManager,
  id: string,
  options: { expectedVersion: number | undefined; cascade: boolean; at: Date },
): Promise<WriteOutcome<{ client: Client; deletedJobIds: string[] }>> {
  return em.transactional(async (tx) => {
    const locked = await lockLiveClient(tx, id, options.expectedVersion);
    if (!('client' in locked)) return locked;
    const { client } = locked;
    const vendors = owningVendors(client);
    if (vendors.length > 0) return { refused: 'vendor_owned', vendors };
    const jobs = await tx.find(
      Job,
      { client: id, deletedAt: null },
      { fields: ['id', 'vendor'], lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (jobs.length > 0 && !options.cascade) return { refused: 'has_jobs', jobCount: jobs.length };
    const vendorJobs = [...new Set(jobs.flatMap((job) => (job.vendor ? [job.vendor] : [])))];
    if (vendorJobs.length > 0) return { refused: 'vendor_owned', vendors: vendorJobs };
    for (const job of jobs) {
      await tx.nativeUpdate(Job, { id: job.id }, { deletedAt: options.at, updatedAt: options.at });
    }
    tx.assign(client, { deletedAt: options.at, version: client.version + 1 });
    await tx.flush();
    return { row: { client, deletedJobIds: jobs.map((job) => job.id) } };
  });
}

/** Whether a live client has this id (for links from jobs). */
export async function clientExists(em: EntityManager, id: string): Promise<boolean> {
  return (await em.count(Client, { id, deletedAt: null })) > 0;
}
