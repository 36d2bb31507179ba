import type { Context } from 'koa';
import { invalidateDashboard } from '../../../db/dashboard-generation.js';
import type { Job } from '../../../db/entities/index.js';
import { clientExists } from '../../../db/repositories/clients.js';
import {
  addJobNote,
  createJobRow,
  findLiveJob,
  jobNotes,
  replaceJob,
  softDeleteJob,
  transitionJob,
  unknownUserIds,
  type ChangeRule,
  type JobFields,
  type JobRefusal,
} from '../../../db/repositories/jobs.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { deny, principalOf } from '../../auth/access.js';
import { canChangeJob } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { announceJobChange, type JobChange } from '../../realtime/record-events.js';
import { validated, type ValidationIssue } from '../../validation.js';
import { preconditionOf, refusalError, setVersionTag, type Precondition } from '../clients/preconditions.js';
import { startWriteBack } from '../clients/write-back.js';
import { listJobsPage } from './list.js';
import { presentJob, presentNote } from './present.js';
import type { JobBody, ListJobsQuery } from './schemas.js';

/** Notes GET /api/jobs/:id shows, newest first. */
const NOTES_SHOWN = 100;

const timeOrNull = (value: string | null | undefined) => (value ? new Date(value) : null);

function fieldsOf(body: JobBody): JobFields {
  return {
    clientId: body.clientId ?? null,
    title: body.title.trim(),
    description: body.description ?? null,
    priority: body.priority ?? null,
    scheduledStart: timeOrNull(body.scheduledStart),
    scheduledEnd: timeOrNull(body.scheduledEnd),
    actualStart: timeOrNull(body.actualStart),
    actualEnd: timeOrNull(body.actualEnd),
    estimatedRevenue: body.estimatedRevenue ?? null,
    actualRevenue: body.actualRevenue ?? null,
    assignedTo: body.assignedTo ?? [],
    tags: body.tags ?? [],
    customFields: body.customFields ?? null,
  };
}

/** Rules the schema cannot state: ends after starts, and links to rows that exist. */
async function fieldIssues(em: EntityManager, fields: JobFields): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  const after = (end: Date | null, start: Date | null, path: string, startName: string) => {
    if (end && start && end <= start) issues.push({ location: 'body', path, message: `must be after ${startName}` });
  };
  after(fields.scheduledEnd, fields.scheduledStart, '/scheduledEnd', 'scheduledStart');
  after(fields.actualEnd, fields.actualStart, '/actualEnd', 'actualStart');
  if (fields.clientId && !(await clientExists(em, fields.clientId))) {
    issues.push({ location: 'body', path: '/clientId', message: 'is no client' });
  }
  for (const id of await unknownUserIds(em, fields.assignedTo)) {
    const position = fields.assignedTo.indexOf(id);
    issues.push({ location: 'body', path: `/assignedTo/${position}`, message: 'is no user' });
  }
  return issues;
}

async function checkFields(em: EntityManager, fields: JobFields): Promise<void> {
  const issues = await fieldIssues(em, fields);
  if (issues.length > 0) throw new AppError('validation_failed', 400, 'Request validation failed', issues);
}

/** CRUD of /api/jobs, its status machine and notes. */
export function jobHandlers(deps: AppDeps) {
  const { orm, redis } = deps;

  const changeRule =
    (ctx: Context): ChangeRule =>
    (job) =>
      canChangeJob(principalOf(ctx), job);

  /** A refusal as its error; a per-job permission refusal is recorded as a security event first. */
  async function refuse(ctx: Context, refusal: JobRefusal, precondition: Precondition): Promise<never> {
    if (refusal.refused === 'forbidden') {
      await deny(ctx, orm, 'job_not_assigned', { jobId: validated<{ id: string }>(ctx, 'params').id });
    }
    throw refusalError(refusal, 'job', precondition);
  }

  async function answerSaved(ctx: Context, job: Job, status: number, change: JobChange) {
    await invalidateDashboard(redis, { scope: 'jobs', id: job.id });
    announceJobChange(deps.realtime, job, change);
    const started = change === 'status' ? null : await startWriteBack(deps, 'job', job.id);
    setVersionTag(ctx, job.version);
    ctx.status = status;
    ctx.body = { ...presentJob(job), writeBack: started };
  }

  return {
    async list(ctx: Context) {
      ctx.body = await listJobsPage(orm.em.fork(), validated<ListJobsQuery>(ctx, 'query'));
    },

    async create(ctx: Context) {
      const body = validated<JobBody>(ctx, 'body');
      const fields = fieldsOf(body);
      const em = orm.em.fork();
      await checkFields(em, fields);
      const status = body.status ?? (fields.scheduledStart ? 'scheduled' : 'unscheduled');
      const job = await createJobRow(em, fields, status);
      ctx.set('Location', `/api/jobs/${job.id}`);
      await answerSaved(ctx, job, 201, 'created');
    },

    async show(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const em = orm.em.fork();
      const job = await findLiveJob(em, id);
      if (!job) throw new AppError('job_not_found', 404, 'No such job');
      const notes = await jobNotes(em, id, NOTES_SHOWN);
      setVersionTag(ctx, job.version);
      ctx.body = { ...presentJob(job), notes: notes.map(presentNote) };
    },

    async replace(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const body = validated<JobBody>(ctx, 'body');
      const precondition = preconditionOf(ctx, body.version);
      const fields = fieldsOf(body);
      const em = orm.em.fork();
      await checkFields(em, fields);
      const outcome = await replaceJob(em, id, fields, precondition.version, changeRule(ctx));
      if (!('row' in outcome)) return refuse(ctx, outcome, precondition);
      await answerSaved(ctx, outcome.row, 200, 'updated');
    },

    /** Jobber derives a job's status itself (jobEdit takes none), so a status change is not written back. */
    async changeStatus(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const body = validated<{ status: string; version?: number }>(ctx, 'body');
      const precondition = preconditionOf(ctx, body.version);
      const outcome = await transitionJob(orm.em.fork(), id, body.status, precondition.version, changeRule(ctx));
      if (!('row' in outcome)) return refuse(ctx, outcome, precondition);
      const { job, changed } = outcome.row;
      if (changed) {
        await answerSaved(ctx, job, 200, 'status');
        return;
      }
      setVersionTag(ctx, job.version);
      ctx.body = { ...presentJob(job), writeBack: null };
    },

    async remove(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const query = validated<{ version?: number }>(ctx, 'query');
      const precondition = preconditionOf(ctx, query.version);
      const outcome = await softDeleteJob(orm.em.fork(), id, precondition.version, changeRule(ctx), new Date());
      if (!('row' in outcome)) return refuse(ctx, outcome, precondition);
      await invalidateDashboard(redis, { scope: 'jobs', id });
      announceJobChange(deps.realtime, outcome.row, 'deleted');
      ctx.status = 204;
    },

    async addNote(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const { body } = validated<{ body: string }>(ctx, 'body');
      const authorId = principalOf(ctx).userId;
      const outcome = await addJobNote(orm.em.fork(), id, { body, authorId }, changeRule(ctx));
      if (!('row' in outcome)) return refuse(ctx, outcome, { version: undefined, via: 'none' });
      await invalidateDashboard(redis, { scope: 'jobs', id });
      announceJobChange(deps.realtime, outcome.row.job.unwrap(), 'note');
      ctx.status = 201;
      ctx.body = presentNote(outcome.row);
    },
  };
}
