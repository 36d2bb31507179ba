import type { Job, JobNote } from '../../../db/entities/index.js';
import { allowedNextStatuses } from '../../../db/job-status.js';

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/** A job as every answer shows it; the vendor's raw payload never is (lists do not even load it). */
type PresentedJobFields =
  | 'id'
  | 'client'
  | 'title'
  | 'description'
  | 'status'
  | 'priority'
  | 'scheduledStart'
  | 'scheduledEnd'
  | 'actualStart'
  | 'actualEnd'
  | 'estimatedRevenue'
  | 'actualRevenue'
  | 'assignedTo'
  | 'tags'
  | 'customFields'
  | 'number'
  | 'vendor'
  | 'externalId'
  | 'jobberJobId'
  | 'version'
  | 'createdAt'
  | 'updatedAt';

/** The fields a job is shown with: a Job entity, or a list row read without hydrating entities. */
export type JobView = Omit<Pick<Job, PresentedJobFields>, 'client'> & { client?: { id: string } | null };

/** Entity properties a job list reads (everything presented; never the raw vendor payload). */
export const JOB_VIEW_FIELDS: readonly PresentedJobFields[] = [
  'id',
  'client',
  'title',
  'description',
  'status',
  'priority',
  'scheduledStart',
  'scheduledEnd',
  'actualStart',
  'actualEnd',
  'estimatedRevenue',
  'actualRevenue',
  'assignedTo',
  'tags',
  'customFields',
  'number',
  'vendor',
  'externalId',
  'jobberJobId',
  'version',
  'createdAt',
  'updatedAt',
];

export function presentJob(job: JobView) {
  return {
    id: job.id,
    clientId: job.client?.id ?? null,
    title: job.title,
    description: job.description ?? null,
    status: job.status,
    /** Where PATCH /status may take the job now. */
    nextStatuses: allowedNextStatuses(job.status),
    priority: job.priority ?? null,
    scheduledStart: iso(job.scheduledStart),
    scheduledEnd: iso(job.scheduledEnd),
    actualStart: iso(job.actualStart),
    actualEnd: iso(job.actualEnd),
    estimatedRevenue: job.estimatedRevenue ?? null,
    actualRevenue: job.actualRevenue ?? null,
    assignedTo: job.assignedTo ?? [],
    tags: job.tags ?? [],
    customFields: job.customFields ?? null,
    number: job.number ?? null,
    vendor: job.vendor ?? null,
    externalId: job.externalId ?? null,
    jobberJobId: job.jobberJobId ?? null,
    version: job.version,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}

export function presentNote(note: JobNote) {
  return {
    id: note.id,
    jobId: note.job.id,
    authorId: note.author?.id ?? null,
    body: note.body,
    vendor: note.vendor ?? null,
    createdAt: note.createdAt.toISOString(),
  };
}
