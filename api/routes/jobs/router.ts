import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { emptyQuery } from '../clients/schemas.js';
import { jobHandlers } from './handlers.js';
import {
  addNoteBody,
  changeStatusBody,
  createJobBody,
  deleteJobQuery,
  jobIdParams,
  listJobsQuery,
  replaceJobBody,
} from './schemas.js';

/**
 * /api/jobs: CRUD, the status state machine (db/job-status.ts) and notes. Changes to one job are an admin's or
 * its assignees' (`canChangeJob`); creates and edits are pushed to Jobber by a workflow when Jobber is connected.
 * The job's schedule, calendar event and documents live in ../job-actions.
 */
export function jobsRouter(deps: AppDeps): Router {
  const handlers = jobHandlers(deps);
  const read = requirePermission(deps.orm, 'jobs:read');
  const write = requirePermission(deps.orm, 'jobs:write');
  const router = new Router({ prefix: '/api/jobs' });
  router.get('/', read, validate({ query: listJobsQuery }), handlers.list);
  router.post('/', write, validate({ body: createJobBody }), handlers.create);
  router.get('/:id', read, validate({ params: jobIdParams, query: emptyQuery }), handlers.show);
  router.put('/:id', write, validate({ params: jobIdParams, body: replaceJobBody }), handlers.replace);
  router.patch('/:id/status', write, validate({ params: jobIdParams, body: changeStatusBody }), handlers.changeStatus);
  router.delete('/:id', write, validate({ params: jobIdParams, query: deleteJobQuery }), handlers.remove);
  router.post('/:id/notes', write, validate({ params: jobIdParams, body: addNoteBody }), handlers.addNote);
  return router;
}
