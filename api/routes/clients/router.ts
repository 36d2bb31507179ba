import { Router } from '@koa/router';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { clientJobsQuery } from '../jobs/schemas.js';
import { clientHandlers } from './handlers.js';
import {
  clientIdParams,
  clientInvoicesQuery,
  createClientBody,
  deleteClientQuery,
  emptyQuery,
  listClientsQuery,
  replaceClientBody,
} from './schemas.js';

/**
 * /api/clients: CRUD with soft delete and optimistic concurrency (preconditions.ts), and each client's jobs and
 * invoices. Creates and edits are pushed to Jobber by a workflow when Jobber is connected; the API never calls it.
 */
export function clientsRouter(deps: AppDeps): Router {
  const handlers = clientHandlers(deps);
  const read = requirePermission(deps.orm, 'clients:read');
  const write = requirePermission(deps.orm, 'clients:write');
  const readJobs = requirePermission(deps.orm, 'jobs:read');
  // Invoices are money: the same permission as /api/finances.
  const readFinances = requirePermission(deps.orm, 'finances:read');
  const router = new Router({ prefix: '/api/clients' });
  router.get('/', read, validate({ query: listClientsQuery }), handlers.list);
  router.post('/', write, validate({ body: createClientBody }), handlers.create);
  router.get('/:id', read, validate({ params: clientIdParams, query: emptyQuery }), handlers.show);
  router.put('/:id', write, validate({ params: clientIdParams, body: replaceClientBody }), handlers.replace);
  router.delete('/:id', write, validate({ params: clientIdParams, query: deleteClientQuery }), handlers.remove);
  router.get('/:id/jobs', read, readJobs, validate({ params: clientIdParams, query: clientJobsQuery }), handlers.jobs);
  router.get(
    '/:id/invoices',
    read,
    readFinances,
    validate({ params: clientIdParams, query: clientInvoicesQuery }),
    handlers.invoices,
  );
  return router;
}
