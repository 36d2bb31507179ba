import { Router } from '@koa/router';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Context } from 'koa';
import type { SyncMode } from '../../../activities/sync.activities.js';
import { SyncLog, VendorConnection } from '../../../db/entities/index.js';
import type { SyncResource } from '../../../integrations/core/records.js';
import { searchAttributes } from '../../../temporal/search-attribute-keys.js';
import { syncResourcesOf, SYNC_RESOURCES, SYNC_VENDORS } from '../../../temporal/sync-catalog.js';
import { startSync } from '../../../temporal/workflow-starters.js';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validate, validated, type ObjectSchema } from '../../validation.js';

const startBody = {
  type: 'object',
  properties: {
    vendor: { type: 'string', enum: SYNC_VENDORS },
    connectionId: { type: 'string', format: 'uuid' },
    resource: { type: 'string', enum: SYNC_RESOURCES },
    mode: { type: 'string', enum: ['full', 'incremental'] },
  },
  required: ['vendor', 'mode'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const listQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'] },
    vendor: { type: 'string', enum: SYNC_VENDORS },
    connectionId: { type: 'string', format: 'uuid' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

const idParams = {
  type: 'object',
  properties: { workflowId: { type: 'string', pattern: '^sync:[0-9a-f-]{36}:[a-zA-Z]+$', maxLength: 120 } },
  required: ['workflowId'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const emptyQuery = { type: 'object', properties: {}, additionalProperties: false } as const satisfies ObjectSchema;

/** A connection whose grant the vendor revoked fails every sync until someone authorizes it again. */
function usable(connection: VendorConnection): VendorConnection {
  if (connection.status === 'needs_reauth') {
    throw new AppError('connection_needs_reauth', 409, `The ${connection.vendor} connection must be authorized again`);
  }
  return connection;
}

function parseWorkflowId(workflowId: string): { connectionId: string; resource: SyncResource } {
  const [, connectionId, resource] = workflowId.split(':');
  return { connectionId: connectionId!, resource: resource as SyncResource };
}

/**
 * /api/syncs: start, list, inspect, cancel and rerun syncs. Status comes from Temporal itself (never from a row
 * nobody updates); steps come from sync_log.
 */
export function syncsRouter(deps: AppDeps): Router {
  const { orm, temporal, config } = deps;
  const router = new Router({ prefix: '/api/syncs' });
  const read = requirePermission(orm, 'syncs:read');
  const run = requirePermission(orm, 'syncs:run');

  async function connectionFor(vendor: string, connectionId?: string): Promise<VendorConnection> {
    const em = orm.em.fork();
    const connection = connectionId
      ? await em.findOne(VendorConnection, { id: connectionId, vendor: vendor as VendorConnection['vendor'] })
      : await em.findOne(
          VendorConnection,
          { vendor: vendor as VendorConnection['vendor'] },
          { orderBy: { createdAt: 'asc' } },
        );
    if (!connection) throw new AppError('connection_not_found', 404, `No ${vendor} connection`);
    return usable(connection);
  }

  async function describe(ctx: Context, workflowId: string) {
    try {
      return await temporal.client.workflow.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new AppError('sync_not_found', 404, 'No such sync');
      throw error;
    }
  }

  router.post('/', run, validate({ body: startBody }), async (ctx) => {
    const body = validated<{ vendor: string; connectionId?: string; resource?: SyncResource; mode: SyncMode }>(
      ctx,
      'body',
    );
    const connection = await connectionFor(body.vendor, body.connectionId);
    const resources = body.resource ? [body.resource] : syncResourcesOf(body.vendor);
    if (body.resource && !syncResourcesOf(body.vendor).includes(body.resource)) {
      throw new AppError('validation_failed', 400, 'Request validation failed', [
        { location: 'body', path: '/resource', message: `${body.vendor} has no ${body.resource}` },
      ]);
    }
    const syncs = [];
    for (const resource of resources) {
      const handle = await startSync(temporal.client, config.temporal.taskQueue, connection, resource, body.mode);
      syncs.push({ resource, workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
    }
    ctx.status = 202;
    ctx.body = { workflowId: syncs[0]!.workflowId, runId: syncs[0]!.runId, syncs };
  });

  router.get('/', read, validate({ query: listQuery }), async (ctx) => {
    const query = validated<{ status?: string; vendor?: string; connectionId?: string; limit: number }>(ctx, 'query');
    const clauses = [`WorkflowType = 'syncConnection'`];
    if (query.status) clauses.push(`ExecutionStatus = '${query.status}'`);
    if (query.vendor) clauses.push(`Vendor = '${query.vendor}'`);
    // Safe to inline: ajv let through only an enum value or a uuid.
    if (query.connectionId) clauses.push(`ConnectionId = '${query.connectionId}'`);
    const data = [];
    for await (const execution of temporal.client.workflow.list({
      query: clauses.join(' AND '),
      pageSize: query.limit,
    })) {
      data.push({
        workflowId: execution.workflowId,
        runId: execution.runId,
        status: execution.status.name,
        startedAt: execution.startTime.toISOString(),
        closedAt: execution.closeTime?.toISOString() ?? null,
        vendor: execution.typedSearchAttributes.get(searchAttributes.vendor) ?? null,
        kind: execution.typedSearchAttributes.get(searchAttributes.syncKind) ?? null,
        ...parseWorkflowId(execution.workflowId),
      });
      if (data.length >= query.limit) break;
    }
    ctx.body = { data };
  });

  router.get('/:workflowId', read, validate({ params: idParams, query: emptyQuery }), async (ctx) => {
    const { workflowId } = validated<{ workflowId: string }>(ctx, 'params');
    const description = await describe(ctx, workflowId);
    const em = orm.em.fork();
    const steps = await em.find(SyncLog, { workflowId }, { orderBy: { createdAt: 'desc' }, limit: 200 });
    // A long sync continues as new: its pages are spread over every run of the chain, which began with `started`.
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
    const started = await em.findOne(
      SyncLog,
      { workflowId, runId: firstRunId, step: 'started' },
      { orderBy: { createdAt: 'asc' } },
    );
    const pages = started
      ? await em.find(SyncLog, { workflowId, step: 'page_stored', createdAt: { $gte: started.createdAt } })
      : [];
    const counts = { pages: pages.length, fetched: 0, inserted: 0, updated: 0, deleted: 0 };
    for (const page of pages) {
      const metadata = (page.metadata ?? {}) as Record<string, number>;
      counts.fetched += metadata.fetched ?? 0;
      counts.inserted += metadata.inserted ?? 0;
      counts.updated += metadata.updated ?? 0;
      counts.deleted += metadata.deleted ?? 0;
    }
    ctx.body = {
      workflowId,
      runId: description.runId,
      status: description.status.name,
      startedAt: description.startTime.toISOString(),
      closedAt: description.closeTime?.toISOString() ?? null,
      ...parseWorkflowId(workflowId),
      counts,
      steps: steps.map((step) => ({
        step: step.step,
        status: step.status,
        operation: step.operation,
        errorMessage: step.errorMessage ?? null,
        metadata: step.metadata ?? {},
        at: step.createdAt.toISOString(),
      })),
    };
  });

  router.post('/:workflowId/cancel', run, validate({ params: idParams }), async (ctx) => {
    const { workflowId } = validated<{ workflowId: string }>(ctx, 'params');
    const description = await describe(ctx, workflowId);
    if (description.status.name !== 'RUNNING') throw new AppError('sync_not_running', 409, 'The sync is not running');
    await temporal.client.workflow.getHandle(workflowId).cancel();
    ctx.status = 202;
    ctx.body = { workflowId, status: 'CANCEL_REQUESTED' };
  });

  /** Reruns one resource of one connection (not the whole connection), as a full sync unless told otherwise. */
  router.post('/:workflowId/rerun', run, validate({ params: idParams }), async (ctx) => {
    const { workflowId } = validated<{ workflowId: string }>(ctx, 'params');
    const description = await describe(ctx, workflowId);
    if (description.status.name === 'RUNNING') throw new AppError('sync_running', 409, 'The sync is still running');
    const { connectionId, resource } = parseWorkflowId(workflowId);
    const connection = await orm.em.fork().findOne(VendorConnection, { id: connectionId });
    if (!connection) throw new AppError('connection_not_found', 404, 'The connection of this sync no longer exists');
    const handle = await startSync(temporal.client, config.temporal.taskQueue, usable(connection), resource, 'full');
    ctx.status = 202;
    ctx.body = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  });

  return router;
}
