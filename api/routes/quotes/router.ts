import { createHash, randomUUID } from 'node:crypto';
import { Router } from '@koa/router';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { CreateQuoteInput, CreatedQuote } from '../../../activities/quote.activities.js';
import { Client, Job, VendorConnection } from '../../../db/entities/index.js';
import { startQuoteCreation } from '../../../temporal/action-starters.js';
import { failureTypes } from '../../../temporal/failures.js';
import { workflowIds } from '../../../temporal/workflow-ids.js';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validate, validated, type ObjectSchema } from '../../validation.js';

const lineItem = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 2000 },
    quantity: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
    unitPrice: { type: 'number', minimum: 0, maximum: 10_000_000, multipleOf: 0.01 },
  },
  required: ['name', 'quantity', 'unitPrice'],
  additionalProperties: false,
} as const;

export const createQuoteBody = {
  type: 'object',
  properties: {
    clientId: { type: 'string', format: 'uuid' },
    jobId: { type: 'string', format: 'uuid' },
    title: { type: 'string', minLength: 1, maxLength: 255 },
    message: { type: 'string', maxLength: 5000 },
    lineItems: { type: 'array', minItems: 1, maxItems: 100, items: lineItem },
    send: { type: 'boolean', default: false },
  },
  required: ['clientId', 'title', 'lineItems'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const idempotencyHeader = /^[A-Za-z0-9_.:-]{8,128}$/;

/** The Jobber userErrors a rejected creation carries (see activities/quote.activities.ts). */
function jobberUserErrors(error: unknown): Array<{ message: string; path: string[] }> | null {
  if (!(error instanceof WorkflowFailedError)) return null;
  const activity = error.cause;
  const failure = activity instanceof ActivityFailure ? activity.cause : activity;
  if (!(failure instanceof ApplicationFailure) || failure.type !== failureTypes.vendorValidation) return null;
  const [details] = failure.details ?? [];
  const userErrors = (details as { userErrors?: Array<{ message: string; path: string[] }> } | undefined)?.userErrors;
  return userErrors ?? [{ message: failure.message, path: [] }];
}

/**
 * /api/quotes: a quote is created in Jobber by the createQuote workflow and only then stored, so a rejected quote
 * leaves nothing behind. The request waits for the workflow (about a minute at most); an `Idempotency-Key` header
 * makes a retried request return the first one's quote instead of creating another.
 */
export function quotesRouter(deps: AppDeps): Router {
  const { orm, temporal, config } = deps;
  const router = new Router({ prefix: '/api/quotes' });
  const write = requirePermission(orm, 'jobs:write');

  router.post('/', write, validate({ body: createQuoteBody }), async (ctx) => {
    const body = validated<{
      clientId: string;
      jobId?: string;
      title: string;
      message?: string;
      lineItems: CreateQuoteInput['lineItems'];
      send: boolean;
    }>(ctx, 'body');
    const key = ctx.get('Idempotency-Key');
    if (key && !idempotencyHeader.test(key)) {
      throw new AppError('validation_failed', 400, 'Request validation failed', [
        { location: 'headers', path: '/Idempotency-Key', message: 'must be 8-128 letters, digits or _.:-' },
      ]);
    }
    const em = orm.em.fork();
    const client = await em.findOne(Client, { id: body.clientId, deletedAt: null });
    if (!client) throw new AppError('client_not_found', 404, 'No such client');
    if (!client.jobberId) {
      throw new AppError('client_not_in_jobber', 409, 'The client has no Jobber record to quote for yet');
    }
    if (body.jobId && !(await em.findOne(Job, { id: body.jobId, deletedAt: null }))) {
      throw new AppError('job_not_found', 404, 'No such job');
    }
    const connection = await em.findOne(
      VendorConnection,
      { vendor: 'jobber', status: 'connected' },
      { orderBy: { createdAt: 'asc' } },
    );
    if (!connection) throw new AppError('connection_not_found', 409, 'No connected Jobber account');

    // A key is scoped to its caller, so two users cannot collide on (or read) each other's requests.
    const requestKey = key
      ? createHash('sha256')
          .update(`${ctx.state.principal?.userId ?? ''}:${key}`)
          .digest('base64url')
      : randomUUID();
    const input: CreateQuoteInput = {
      connectionId: connection.id,
      clientId: client.id,
      clientJobberId: client.jobberId,
      ...(body.jobId ? { jobId: body.jobId } : {}),
      title: body.title,
      ...(body.message ? { message: body.message } : {}),
      lineItems: body.lineItems,
      send: body.send,
      requestedAt: new Date().toISOString(),
    };
    let quote: CreatedQuote;
    try {
      let handle;
      try {
        handle = await startQuoteCreation(temporal.client, config.temporal.taskQueue, requestKey, input);
      } catch (error) {
        // The same key's creation already finished: answer with its outcome.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        handle = temporal.client.workflow.getHandle(workflowIds.createQuote(requestKey));
      }
      quote = (await handle.result()) as CreatedQuote;
    } catch (error) {
      const userErrors = jobberUserErrors(error);
      if (!userErrors) throw error;
      throw new AppError(
        'vendor_rejected',
        422,
        `Jobber rejected the quote: ${userErrors.map((userError) => userError.message).join('; ')}`,
        userErrors.map((userError) => ({ vendor: 'jobber', message: userError.message, path: userError.path })),
      );
    }
    ctx.status = 201;
    ctx.body = { quote: { id: quote.quoteId, ...quote, clientId: client.id, jobId: body.jobId ?? null } };
  });

  return router;
}
