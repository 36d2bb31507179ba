import type { EntityManager, QBFilterQuery } from '@mikro-orm/postgresql';
import { Job } from '../../../db/entities/index.js';
import { jobListWhere } from '../../../db/repositories/jobs.js';
import { AppError } from '../../errors.js';
import { likeContains } from '../../like.js';
import { afterListCursor, orderByOf, parseSort, toSortedPage } from '../../list-query.js';
import type { Page } from '../../pagination.js';
import { JOB_VIEW_FIELDS, presentJob, type JobView } from './present.js';
import { JOB_SORT_FIELDS, type ListJobsQuery } from './schemas.js';

const DAY_MS = 86_400_000;

/** One page of GET /api/jobs (and of GET /api/clients/:id/jobs, which fixes the client). */
export async function listJobsPage(
  em: EntityManager,
  query: ListJobsQuery,
): Promise<Page<ReturnType<typeof presentJob>>> {
  const from = query.from ? new Date(`${query.from}T00:00:00Z`) : undefined;
  // `to` is the last day included: the bound is the start of the next day.
  const before = query.to ? new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY_MS) : undefined;
  if (from && before && from >= before) {
    throw new AppError('validation_failed', 400, 'Request validation failed', [
      { location: 'query', path: '/to', message: 'must not be before from' },
    ]);
  }
  const order = parseSort(query.sort, JOB_SORT_FIELDS);
  if (order.field === 'scheduledStart' && !from && !before) {
    throw new AppError('validation_failed', 400, 'Request validation failed', [
      {
        location: 'query',
        path: '/sort',
        message: 'scheduledStart needs a from or to bound (unscheduled jobs have none)',
      },
    ]);
  }
  const where = [
    ...jobListWhere({
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.clientId ? { clientId: query.clientId } : {}),
      ...(query.assignedTo ? { assignedTo: query.assignedTo } : {}),
      ...(from ? { scheduledFrom: from } : {}),
      ...(before ? { scheduledBefore: before } : {}),
      ...(query.q ? { textPattern: likeContains(query.q) } : {}),
    }),
    afterListCursor(query.cursor, order),
  ];
  // Plain rows, not entities: a read-only page needs no identity map or change tracking, which cost half of its CPU.
  // The vendor's raw payload is kept for the sync and support, never shown: a list does not load it.
  const rows = (await em
    .createQueryBuilder(Job)
    .select([...JOB_VIEW_FIELDS])
    .where({ $and: where } as QBFilterQuery<Job>)
    .orderBy(orderByOf(order))
    .limit(query.limit + 1)
    .execute('all', true)) as unknown as Array<Omit<JobView, 'client'> & { client: string | null }>;
  return toSortedPage(rows, query.limit, order, (row) =>
    presentJob({ ...row, client: row.client === null ? null : { id: row.client } }),
  );
}
