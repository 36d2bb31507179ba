import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { Client, Job } from '../db/entities/index.js';
import type { JobberClient } from '../integrations/jobber/client.js';
import { vendorUserErrors } from '../integrations/jobber/errors.js';
import { failureTypes } from '../temporal/failures.js';
import type { WriteBackInput } from '../workflows/write-back-signals.js';
import type { ActivityDeps } from './deps.js';
import { clientCreateInput, clientEditInput, jobCreateAttributes } from './jobber-write-back-inputs.js';
import { connectionAccess, loadConnection } from './sync-context.js';
import { toActivityFailure } from './vendor-failures.js';

export type WriteBackResult =
  { action: 'created' | 'updated'; externalId: string } | { action: 'skipped'; reason: string };

/**
 * One writer per row at a time, across workflows (a job's push may create its client while the client's own
 * write-back runs): a transaction-scoped advisory lock, held while Jobber is called, so the second writer finds
 * the Jobber id the first one stored instead of creating the record again. Row locks would block API edits.
 */
async function lockWriteBack(em: EntityManager, kind: 'client' | 'job', id: string): Promise<void> {
  await em.execute(`select pg_advisory_xact_lock(hashtext(?))`, [`jobber-write-back:${kind}:${id}`]);
}

function validationFailure(message: string, details: unknown = {}): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: failureTypes.vendorValidation,
    nonRetryable: true,
    details: [details],
  });
}

/**
 * Creates the client in Jobber unless its Jobber id is stored (then edits it when `edit`), and stores the id in
 * the same transaction as the lock. Returns the Jobber id, or the reason there is none.
 */
async function pushClient(
  em: EntityManager,
  jobber: JobberClient,
  clientId: string,
  edit: boolean,
): Promise<WriteBackResult> {
  return em.transactional(async (tx) => {
    await lockWriteBack(tx, 'client', clientId);
    const client = await tx.findOne(Client, { id: clientId }, { refresh: true });
    if (!client || client.deletedAt) return { action: 'skipped', reason: 'the client is deleted' };
    const state = {
      name: client.name,
      email: client.email ?? null,
      phone: client.phone ?? null,
      address: client.address ?? null,
    };
    if (client.jobberId) {
      if (!edit) return { action: 'updated', externalId: client.jobberId };
      const current = await jobber.clientForEdit(client.jobberId);
      if (!current) return { action: 'skipped', reason: 'the client no longer exists in Jobber' };
      await jobber.editClient(client.jobberId, clientEditInput(current, state));
      return { action: 'updated', externalId: client.jobberId };
    }
    const created = await jobber.createClient(clientCreateInput(state));
    // Raw SQL: these bookkeeping columns are outside the version trigger, so the caller's version stays valid.
    await tx.execute(`update "clients" set "jobber_id" = ?, "jobber_synced_at" = now() where "id" = ?`, [
      created.externalId,
      clientId,
    ]);
    return { action: 'created', externalId: created.externalId };
  });
}

/** Creates or edits the job in Jobber; its client is created there first if it is not yet. */
async function pushJob(em: EntityManager, jobber: JobberClient, jobId: string): Promise<WriteBackResult> {
  return em.transactional(async (tx) => {
    await lockWriteBack(tx, 'job', jobId);
    const job = await tx.findOne(Job, { id: jobId }, { refresh: true });
    if (!job || job.deletedAt) return { action: 'skipped', reason: 'the job is deleted' };
    if (job.jobberJobId) {
      const instructions = job.description ?? undefined;
      await jobber.editJob(job.jobberJobId, { title: job.title, ...(instructions ? { instructions } : {}) });
      return { action: 'updated', externalId: job.jobberJobId };
    }
    if (job.vendor) return { action: 'skipped', reason: `the job belongs to ${job.vendor}` };
    if (!job.client) return { action: 'skipped', reason: 'Jobber jobs need a client, and this job has none' };
    const owner = await pushClient(tx, jobber, job.client.id, false);
    if (owner.action === 'skipped') return owner;
    const current = await jobber.clientForEdit(owner.externalId);
    if (!current?.propertyId) {
      throw validationFailure(`Jobber client ${owner.externalId} has no property to put the job on`);
    }
    const created = await jobber.createJob(
      jobCreateAttributes(current.propertyId, {
        title: job.title,
        description: job.description ?? null,
        scheduledStart: job.scheduledStart ?? null,
        scheduledEnd: job.scheduledEnd ?? null,
      }),
    );
    // last_synced_at now: a full sync that started earlier must not take the job for one Jobber deleted.
    await tx.execute(
      `update "jobs" set "vendor" = 'jobber', "external_id" = ?, "jobber_job_id" = ?, "number" = coalesce("number", ?), "last_synced_at" = now() where "id" = ?`,
      [created.externalId, created.externalId, created.jobNumber, jobId],
    );
    return { action: 'created', externalId: created.externalId };
  });
}

/** Pushes our rows to Jobber (workflows/write-back-to-jobber.ts). */
export function createJobberWriteBackActivities(deps: ActivityDeps) {
  const { orm, vendors } = deps;
  return {
    /**
     * Pushes the row's current state. Safe to repeat: the stored Jobber id, read under the row's write-back lock,
     * turns a second create into an edit.
     */
    async pushRowToJobber(input: WriteBackInput): Promise<WriteBackResult> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const { secrets, tokens } = connectionAccess(deps, connection, async () => undefined);
      const jobber = vendors.actions.jobber(secrets, tokens);
      try {
        return input.kind === 'client'
          ? await pushClient(em, jobber, input.id, true)
          : await pushJob(em, jobber, input.id);
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        const userErrors = vendorUserErrors(error);
        if (userErrors.length > 0) {
          throw validationFailure(userErrors.map((userError) => userError.message).join('; '), { userErrors });
        }
        throw toActivityFailure(error);
      }
    },
  };
}
