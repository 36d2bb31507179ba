import type { Job } from '../db/entities/index.js';

/**
 * The part of a `job.updated` payload that decides who hears of it: the job's client's subscribers and its assignees
 * (api/realtime/catalogue.ts). A job that is gone is announced by id alone.
 */
export function jobAudience(job: Job | null, jobId: string) {
  return { id: jobId, clientId: job?.client?.id ?? null, assignedTo: [...(job?.assignedTo ?? [])] };
}
