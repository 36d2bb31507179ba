import { Router } from '@koa/router';
import type { Context } from 'koa';
import { Job, JobDocument, Message, VendorConnection, type DocumentShare } from '../../../db/entities/index.js';
import { threadKeyOf } from '../../../db/repositories/messages.js';
import {
  requestJobCalendarUpdate,
  startDocumentShare,
  startMessageDelivery,
} from '../../../temporal/action-starters.js';
import { principalOf, requirePermission } from '../../auth/access.js';
import { canChangeJob } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validate, validated } from '../../validation.js';
import {
  documentBody,
  documentParams,
  jobParams,
  presentDocument,
  scheduleBody,
  shareIssues,
  slackShareBody,
} from './schemas.js';

/**
 * Actions on one job that reach vendors through workflows: its schedule (which its Google Calendar event
 * follows), its documents (uploaded to and shared on Drive, posted to Slack).
 */
export function jobActionsRouter(deps: AppDeps): Router {
  const { orm, temporal, config } = deps;
  const taskQueue = config.temporal.taskQueue;
  const router = new Router({ prefix: '/api/jobs/:jobId' });
  const read = requirePermission(orm, 'jobs:read');
  const write = requirePermission(orm, 'jobs:write');
  const send = requirePermission(orm, 'messages:send');

  async function jobFor(ctx: Context, change: boolean): Promise<Job> {
    const { jobId } = validated<{ jobId: string }>(ctx, 'params');
    const job = await orm.em.fork().findOne(Job, { id: jobId, deletedAt: null });
    if (!job) throw new AppError('job_not_found', 404, 'No such job');
    if (change && !canChangeJob(principalOf(ctx), job)) {
      throw new AppError('forbidden', 403, 'Only an admin or a user assigned to this job can change it');
    }
    return job;
  }

  /** Reschedules (or unschedules, with null) a job; its Calendar event is moved or cancelled by a workflow. */
  router.put('/schedule', write, validate({ params: jobParams, body: scheduleBody }), async (ctx) => {
    const job = await jobFor(ctx, true);
    const body = validated<{ scheduledStart: string | null; scheduledEnd?: string | null }>(ctx, 'body');
    const start = body.scheduledStart ? new Date(body.scheduledStart) : null;
    const end = body.scheduledEnd ? new Date(body.scheduledEnd) : null;
    if (start && end && end <= start) {
      throw new AppError('validation_failed', 400, 'Request validation failed', [
        { location: 'body', path: '/scheduledEnd', message: 'must be after scheduledStart' },
      ]);
    }
    const em = orm.em.fork();
    const live = await em.findOneOrFail(Job, { id: job.id });
    live.scheduledStart = start;
    live.scheduledEnd = start ? end : null;
    await em.flush();
    const handle = await requestJobCalendarUpdate(temporal.client, taskQueue, job.id, 'rescheduled');
    ctx.status = 202;
    ctx.body = {
      jobId: job.id,
      scheduledStart: live.scheduledStart?.toISOString() ?? null,
      scheduledEnd: live.scheduledEnd?.toISOString() ?? null,
      workflowId: handle.workflowId,
    };
  });

  /** Brings the job's Calendar event in line with the job now (after an edit made elsewhere). */
  router.post('/calendar-event', write, validate({ params: jobParams }), async (ctx) => {
    const job = await jobFor(ctx, true);
    const handle = await requestJobCalendarUpdate(temporal.client, taskQueue, job.id, 'requested');
    ctx.status = 202;
    ctx.body = { jobId: job.id, workflowId: handle.workflowId };
  });

  router.post('/documents', write, validate({ params: jobParams, body: documentBody }), async (ctx) => {
    const job = await jobFor(ctx, true);
    const body = validated<{ name: string; mimeType: string; contentBase64: string; shareWith: DocumentShare[] }>(
      ctx,
      'body',
    );
    const issues = shareIssues(body.shareWith);
    if (issues.length > 0) throw new AppError('validation_failed', 400, 'Request validation failed', issues);
    const content = Buffer.from(body.contentBase64, 'base64');
    const em = orm.em.fork();
    if (!(await em.findOne(VendorConnection, { vendor: 'google', status: 'connected' }))) {
      throw new AppError('connection_not_found', 409, 'No connected Google account to put the document on Drive');
    }
    const document = em.create(JobDocument, {
      job: job.id,
      name: body.name,
      mimeType: body.mimeType,
      sizeBytes: content.length,
      content,
      shareWith: body.shareWith,
      createdBy: principalOf(ctx).userId,
    });
    await em.flush();
    const handle = await startOrFail(em, document, () => startDocumentShare(temporal.client, taskQueue, document.id));
    ctx.status = 202;
    ctx.body = { document: presentDocument(document), workflowId: handle.workflowId };
  });

  router.get('/documents', read, validate({ params: jobParams }), async (ctx) => {
    const job = await jobFor(ctx, false);
    const documents = await orm.em.fork().find(JobDocument, { job: job.id }, { orderBy: { createdAt: 'desc' } });
    ctx.body = { data: documents.map(presentDocument) };
  });

  router.get('/documents/:documentId', read, validate({ params: documentParams }), async (ctx) => {
    const job = await jobFor(ctx, false);
    const { documentId } = validated<{ documentId: string }>(ctx, 'params');
    const document = await orm.em.fork().findOne(JobDocument, { id: documentId, job: job.id });
    if (!document) throw new AppError('document_not_found', 404, 'No such document');
    ctx.body = { document: presentDocument(document) };
  });

  /** Posts the document's file to a Slack channel (or thread), as an outbound Slack message. */
  router.post(
    '/documents/:documentId/slack',
    send,
    validate({ params: documentParams, body: slackShareBody }),
    async (ctx) => {
      const job = await jobFor(ctx, false);
      const { documentId } = validated<{ documentId: string }>(ctx, 'params');
      const body = validated<{ channel: string; threadTs?: string }>(ctx, 'body');
      const em = orm.em.fork();
      const document = await em.findOne(JobDocument, { id: documentId, job: job.id });
      if (!document) throw new AppError('document_not_found', 404, 'No such document');
      const connection = await em.findOne(
        VendorConnection,
        { vendor: 'slack', status: 'connected' },
        { orderBy: { createdAt: 'asc' } },
      );
      if (!connection) throw new AppError('connection_not_found', 409, 'No connected Slack workspace');
      const message = em.create(Message, {
        channel: 'slack',
        direction: 'outbound',
        vendor: 'slack',
        connection: connection.id,
        job: job.id,
        client: job.client?.id ?? null,
        document: document.id,
        slackChannel: body.channel,
        vendorThreadId: body.threadTs ?? null,
        body: document.name,
        threadKey: threadKeyOf('slack', { slackChannel: body.channel, threadTs: body.threadTs ?? null }),
        createdBy: principalOf(ctx).userId,
      });
      await em.flush();
      const handle = await startOrFail(em, message, () =>
        startMessageDelivery(temporal.client, taskQueue, { id: message.id, vendor: 'slack' }),
      );
      ctx.status = 202;
      ctx.body = { messageId: message.id, workflowId: handle.workflowId, status: message.status };
    },
  );

  return router;
}

/**
 * Starts the workflow for a row just committed; if Temporal cannot be reached the row is marked failed, so no row
 * waits forever for a workflow that never started, and the caller gets a 503 to retry.
 */
async function startOrFail<H>(
  em: ReturnType<AppDeps['orm']['em']['fork']>,
  row: JobDocument | Message,
  start: () => Promise<H>,
): Promise<H> {
  try {
    return await start();
  } catch (error) {
    row.status = 'failed';
    row.failureReason = 'the workflow could not be started';
    await em.flush();
    const unavailable = new AppError('workflow_unavailable', 503, 'The workflow service is unavailable; try again');
    unavailable.cause = error;
    throw unavailable;
  }
}
