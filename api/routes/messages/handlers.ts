import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { createCredentialsCipher } from '../../../db/credentials-cipher.js';
import { Message, SyncLog } from '../../../db/entities/index.js';
import { findMessage, listMessages, listThreads, markInboundRead } from '../../../db/repositories/message-queries.js';
import { clientIdByAddress, threadKeyOf, transitionMessage } from '../../../db/repositories/messages.js';
import { startMessageDelivery } from '../../../temporal/action-starters.js';
import { principalOf } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { likeContains } from '../../like.js';
import { decodeCursor, toPage, type Page } from '../../pagination.js';
import { validated, type ValidationIssue } from '../../validation.js';
import { presentHistoryEntry, presentMessage, presentThread } from './present.js';
import { referenceIssues, resolveRecipient, sendRuleIssues } from './recipients.js';
import type { ListMessagesQuery, ListThreadsQuery, SendMessageBody, SendSlackMessageBody } from './schemas.js';
import { sendingConnection } from './sending-connections.js';
import { decodeThreadCursor, encodeThreadCursor } from './thread-cursor.js';

function invalid(issues: ValidationIssue[]): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', issues);
}

function notFound(): AppError {
  return new AppError('message_not_found', 404, 'Message not found');
}

/** How many delivery steps GET /api/messages/:id shows; a message's workflow writes a handful. */
const HISTORY_LIMIT = 100;

/** Send, list, threads, show and mark-read of /api/messages. */
export function messageHandlers(deps: AppDeps) {
  const { orm, temporal, config, logger } = deps;
  const cipher = createCredentialsCipher(config.credentialsKey);

  /**
   * Starts the delivery of a committed message row. The row must exist before the workflow reads it, so the
   * start follows the commit; when the start fails the row is failed at once, so no queued row waits for a
   * workflow that will never come.
   */
  async function deliver(ctx: Context, em: EntityManager, message: Message): Promise<void> {
    let workflowId: string;
    try {
      ({ workflowId } = await startMessageDelivery(temporal.client, config.temporal.taskQueue, message));
    } catch (error) {
      logger.error({ err: error, messageId: message.id }, 'could not start the delivery workflow of a message');
      await transitionMessage(em, message.id, {
        status: 'failed',
        at: new Date(),
        failureCode: 'workflow_start_failed',
        failureReason: `The delivery workflow could not be started: ${error instanceof Error ? error.message : String(error)}`,
      });
      throw new AppError('delivery_unavailable', 503, 'Messages cannot be sent right now');
    }
    ctx.status = 202;
    ctx.set('Location', `/api/messages/${message.id}`);
    ctx.body = { messageId: message.id, workflowId, status: message.status };
  }

  return {
    async send(ctx: Context) {
      const body = validated<SendMessageBody>(ctx, 'body');
      const issues = sendRuleIssues(body);
      if (issues.length > 0) throw invalid(issues);
      const createdBy = principalOf(ctx).userId;
      const em = orm.em.fork();
      const message = await em.transactional(async (tx) => {
        const recipient = await resolveRecipient(tx, body);
        const problems = [
          ...('address' in recipient ? [] : [recipient]),
          ...(await referenceIssues(tx, { ...(body.jobId ? { jobId: body.jobId } : {}) })),
        ];
        if (problems.length > 0 || !('address' in recipient)) throw invalid(problems);
        const connection = await sendingConnection(tx, cipher, body.channel, body.provider);
        const clientId = recipient.clientId ?? (await clientIdByAddress(tx, body.channel, recipient.address));
        return tx.create(Message, {
          channel: body.channel,
          direction: 'outbound',
          status: 'queued',
          vendor: connection.vendor,
          connection: connection.id,
          client: clientId,
          job: body.jobId ?? null,
          toAddress: recipient.address,
          subject: body.subject ?? null,
          body: body.body,
          threadKey: threadKeyOf(body.channel, { clientId, address: recipient.address }),
          createdBy,
        });
      });
      await deliver(ctx, em, message);
    },

    async sendSlack(ctx: Context) {
      const body = validated<SendSlackMessageBody>(ctx, 'body');
      const createdBy = principalOf(ctx).userId;
      const em = orm.em.fork();
      const message = await em.transactional(async (tx) => {
        const issues = await referenceIssues(tx, body);
        if (issues.length > 0) throw invalid(issues);
        const connection = await sendingConnection(tx, cipher, 'slack');
        return tx.create(Message, {
          channel: 'slack',
          direction: 'outbound',
          status: 'queued',
          vendor: connection.vendor,
          connection: connection.id,
          client: body.clientId ?? null,
          job: body.jobId ?? null,
          body: body.text,
          slackChannel: body.channel,
          vendorThreadId: body.threadTs ?? null,
          threadKey: threadKeyOf('slack', { slackChannel: body.channel, threadTs: body.threadTs ?? null }),
          createdBy,
        });
      });
      await deliver(ctx, em, message);
    },

    async list(ctx: Context) {
      const query = validated<ListMessagesQuery>(ctx, 'query');
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      if (from && to && from >= to) {
        throw invalid([{ location: 'query', path: '/to', message: 'must be later than from' }]);
      }
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await listMessages(
        orm.em.fork(),
        {
          ...(query.channel ? { channel: query.channel } : {}),
          ...(query.direction ? { direction: query.direction } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.clientId ? { clientId: query.clientId } : {}),
          ...(query.jobId ? { jobId: query.jobId } : {}),
          ...(query.threadKey ? { threadKey: query.threadKey } : {}),
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(query.q ? { textPattern: likeContains(query.q) } : {}),
        },
        {
          ...(cursor ? { after: { createdAt: new Date(cursor.createdAt), id: cursor.id } } : {}),
          limit: query.limit + 1,
        },
      );
      ctx.body = toPage(rows, query.limit, presentMessage);
    },

    async threads(ctx: Context) {
      const query = validated<ListThreadsQuery>(ctx, 'query');
      const rows = await listThreads(
        orm.em.fork(),
        {
          ...(query.channel ? { channel: query.channel } : {}),
          ...(query.clientId ? { clientId: query.clientId } : {}),
        },
        { ...(query.cursor ? { after: decodeThreadCursor(query.cursor) } : {}), limit: query.limit + 1 },
      );
      const visible = rows.slice(0, query.limit);
      const last = visible.at(-1);
      const page: Page<ReturnType<typeof presentThread>> = {
        data: visible.map(presentThread),
        page: { limit: query.limit, nextCursor: rows.length > query.limit && last ? encodeThreadCursor(last) : null },
      };
      ctx.body = page;
    },

    async show(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const em = orm.em.fork();
      const message = await findMessage(em, id);
      if (!message) throw notFound();
      const history = await em.find(
        SyncLog,
        { resourceType: 'message', resourceId: id },
        { orderBy: { createdAt: 'asc', id: 'asc' }, limit: HISTORY_LIMIT },
      );
      ctx.body = { ...presentMessage(message), history: history.map(presentHistoryEntry) };
    },

    /** Marks an inbound message read (the first read time stays); the worker, not the API, announces changes. */
    async markRead(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const em = orm.em.fork();
      const message = await findMessage(em, id);
      if (!message) throw notFound();
      if (message.direction !== 'inbound') {
        throw new AppError('message_not_inbound', 409, 'Only inbound messages can be marked read');
      }
      const read = await markInboundRead(em, id);
      if (!read) throw notFound();
      ctx.body = presentMessage(read);
    },
  };
}
