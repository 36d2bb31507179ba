import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, JobNote, User } from '../entities/index.js';
import { allowedNextStatuses, canTransition } from '../job-status.js';
import type { WriteOutcome, WriteRefusal } from './clients.js';

/*
 * Jobs as the CRUD API reads and writes them; like clients (see clients.ts), every change locks the row first, so
 * the version check, the permission and status rules and the write are one atomic step.
 */

/** The editable fields: what POST sets and PUT replaces (the status moves only through the state machine). */
export interface JobFields {
  clientId: string | null;
  title: string;
  description: string | null;
  priority: string | null;
  scheduledStart: Date | null;
  scheduledEnd: Date | null;
  actualStart: Date | null;
  actualEnd: Date | null;
  estimatedRevenue: string | null;
  actualRevenue: string | null;
  assignedTo: string[];
  tags: string[];
  customFields: Record<string, unknown> | null;
}

export type JobRefusal =
  WriteRefusal | { refused: 'forbidden' } | { refused: 'invalid_transition'; from: string; allowed: readonly string[] };

export interface JobListFilter {
  statuses?: string[];
  clientId?: string;
  assignedTo?: string;
  scheduledFrom?: Date;
  scheduledBefore?: Date;
  textPattern?: string;
}

export function jobListWhere(filter: JobListFilter): FilterQuery<Job>[] {
  const where: FilterQuery<Job>[] = [{ deletedAt: null }];
  if (filter.statuses?.length) where.push({ status: { $in: filter.statuses } });
  if (filter.clientId) where.push({ client: filter.clientId });
  if (filter.assignedTo) where.push({ assignedTo: { $contains: [filter.assignedTo] } });
  if (filter.scheduledFrom) where.push({ scheduledStart: { $gte: filter.scheduledFrom } });
  if (filter.scheduledBefore) where.push({ scheduledStart: { $lt: filter.scheduledBefore } });
  if (filter.textPattern) {
    const like = { $ilike: filter.textPattern };
    where.push({ $or: [{ title: like }, { description: like }, { number: like }] });
  }
  return where;
}

const columnsOf = ({ clientId, ...rest }: JobFields) => ({ ...rest, client: clientId });

export function findLiveJob(em: EntityManager, id: string): Promise<Job | null> {
  return em.findOne(Job, { id, deletedAt: null });
}

/** The ids among `userIds` that are no user of ours. */
export async function unknownUserIds(em: EntityManager, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const found = await em.find(User, { id: { $in: userIds } }, { fields: ['id'] });
  const known = new Set(found.map((user) => user.id));
  return userIds.filter((id) => !known.has(id));
}

export async function createJobRow(em: EntityManager, fields: JobFields, status: string): Promise<Job> {
  const job = em.create(Job, { ...columnsOf(fields), status, version: 1 });
  await em.flush();
  return job;
}

/** Who may change the locked job: the caller's per-job rule (`canChangeJob`), given the job as it is now. */
export type ChangeRule = (job: Job) => boolean;

async function lockLiveJob(
  em: EntityManager,
  id: string,
  expectedVersion: number | undefined,
  mayChange: ChangeRule,
): Promise<{ job: Job } | JobRefusal> {
  const job = await em.findOne(Job, { id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!job) return { refused: 'not_found' };
  if (!mayChange(job)) return { refused: 'forbidden' };
  if (expectedVersion !== undefined && job.version !== expectedVersion) {
    return { refused: 'version_mismatch', currentVersion: job.version };
  }
  return { job };
}

export function replaceJob(
  em: EntityManager,
  id: string,
  fields: JobFields,
  expectedVersion: number | undefined,
  mayChange: ChangeRule,
): Promise<WriteOutcome<Job> | JobRefusal> {
  return em.transactional(async (tx) => {
    const locked = await lockLiveJob(tx, id, expectedVersion, mayChange);
    if (!('job' in locked)) return locked;
    const { job } = locked;
    tx.assign(job, { ...columnsOf(fields), version: job.version + 1 });
    await tx.flush();
    return { row: job };
  });
}

/**
 * Moves the job to `status` through the state machine. Asking for the status it already has changes nothing
 * (a repeated request succeeds without a new version).
 */
export function transitionJob(
  em: EntityManager,
  id: string,
  status: string,
  expectedVersion: number | undefined,
  mayChange: ChangeRule,
): Promise<WriteOutcome<{ job: Job; changed: boolean }> | JobRefusal> {
  return em.transactional(async (tx) => {
    const locked = await lockLiveJob(tx, id, expectedVersion, mayChange);
    if (!('job' in locked)) return locked;
    const { job } = locked;
    if (job.status === status) return { row: { job, changed: false } };
    if (!canTransition(job.status, status)) {
      return { refused: 'invalid_transition', from: job.status, allowed: allowedNextStatuses(job.status) };
    }
    tx.assign(job, { status, version: job.version + 1 });
    await tx.flush();
    return { row: { job, changed: true } };
  });
}

/** Soft delete; refused for a job a vendor holds (delete it there; its sync removes it here). */
export function softDeleteJob(
  em: EntityManager,
  id: string,
  expectedVersion: number | undefined,
  mayChange: ChangeRule,
  at: Date,
): Promise<WriteOutcome<Job> | JobRefusal> {
  return em.transactional(async (tx) => {
    const locked = await lockLiveJob(tx, id, expectedVersion, mayChange);
    if (!('job' in locked)) return locked;
    const { job } = locked;
    if (job.vendor) return { refused: 'vendor_owned', vendors: [job.vendor] };
    tx.assign(job, { deletedAt: at, version: job.version + 1 });
    await tx.flush();
    return { row: job };
  });
}

/** Notes of a job, newest first, at most `limit`. */
export function jobNotes(em: EntityManager, jobId: string, limit: number): Promise<JobNote[]> {
  return em.find(JobNote, { job: jobId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit });
}

/** Adds a note to a live job the caller may change; the note is no edit of the job, so its version stays. */
export function addJobNote(
  em: EntityManager,
  jobId: string,
  note: { body: string; authorId: string | null },
  mayChange: ChangeRule,
): Promise<WriteOutcome<JobNote> | JobRefusal> {
  return em.transactional(async (tx) => {
    const job = await tx.findOne(Job, { id: jobId, deletedAt: null });
    if (!job) return { refused: 'not_found' };
    if (!mayChange(job)) return { refused: 'forbidden' };
    const row = tx.create(JobNote, { job: job.id, author: note.authorId, body: note.body });
    await tx.flush();
    return { row };
  });
}
