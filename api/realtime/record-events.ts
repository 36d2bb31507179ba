import type { Client, Job } from '../../db/entities/index.js';
import type { Realtime } from './io.js';

export type JobChange = 'created' | 'updated' | 'status' | 'note' | 'deleted';
export type ClientChange = 'created' | 'updated' | 'deleted';

/** `job.updated` for a job written through the API: to its client's subscribers and to its assignees. */
export function announceJobChange(realtime: Pick<Realtime, 'announce'>, job: Job, change: JobChange): void {
  realtime.announce('job.updated', {
    id: job.id,
    clientId: job.client?.id ?? null,
    assignedTo: [...job.assignedTo],
    change,
    status: job.status,
    version: job.version,
    source: 'api',
  });
}

/** `client.updated` for a client written through the API: to that client's subscribers. */
export function announceClientChange(realtime: Pick<Realtime, 'announce'>, client: Client, change: ClientChange): void {
  realtime.announce('client.updated', {
    id: client.id,
    clientId: client.id,
    change,
    version: client.version,
    source: 'api',
  });
}
