import { ApplicationFailure, Context } from '@temporalio/activity';
import { JobDocument, Message } from '../db/entities/index.js';
import type { MessageStatus } from '../db/entities/enums.js';
import {
  recordVendorIds,
  transitionMessage,
  type MessageStatusRow,
  type MessageTransition,
} from '../db/repositories/messages.js';
import { recordSyncStep } from '../db/repositories/sync-log.js';
import { isVendorError } from '../integrations/core/errors.js';
import { failureTypes } from '../temporal/failures.js';
import type { MessageStatusUpdate } from '../workflows/message-signals.js';
import type { ActivityDeps } from './deps.js';
import { messageSender, type OutboundMessage } from './message-senders.js';
import { connectionAccess, loadConnection } from './sync-context.js';
import { toActivityFailure } from './vendor-failures.js';

export interface DeliveryState {
  status: MessageStatus;
  channel: string;
}

/** Heartbeats while a vendor call runs, so a dead worker's send is retried in seconds rather than minutes. */
async function withHeartbeats<T>(run: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 2_000);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** The send, status and failure steps of one outbound message (workflows/deliver-message.ts). */
export function createMessagingActivities(deps: ActivityDeps) {
  const { orm, events, vendors } = deps;

  async function announce(row: MessageStatusRow | null): Promise<void> {
    if (row) await events.publish('message.status', { ...row });
  }

  async function logStep(messageId: string, vendor: string, step: string, metadata: Record<string, unknown>) {
    const { workflowExecution, activityId } = Context.current().info;
    await recordSyncStep(orm.em.fork(), {
      service: vendor,
      operation: 'send_message',
      resourceType: 'message',
      resourceId: messageId,
      status: step,
      step,
      metadata,
      workflowId: workflowExecution?.workflowId ?? 'standalone',
      runId: workflowExecution?.runId ?? 'standalone',
      activityId: `${activityId}:${step}:${Context.current().info.attempt}`,
    });
  }

  async function fail(messageId: string, vendor: string, reason: string, code?: string): Promise<DeliveryState> {
    const row = await transitionMessage(orm.em.fork(), messageId, {
      status: 'failed',
      at: new Date(),
      failureReason: reason,
      ...(code ? { failureCode: code } : {}),
    });
    await announce(row);
    await logStep(messageId, vendor, 'failed', { reason, code });
    return { status: 'failed', channel: row?.channel ?? '' };
  }

  return {
    /** Where a delivery stands: a run started by a late status report finds the send already done. */
    async prepareDelivery(messageId: string): Promise<DeliveryState> {
      const message = await orm.em.fork().findOne(Message, { id: messageId });
      if (!message)
        throw ApplicationFailure.nonRetryable(`message ${messageId} does not exist`, failureTypes.messageNotFound);
      return { status: message.status, channel: message.channel };
    },

    /**
     * Sends the message once. Every vendor call is counted first (in its own commit); when an earlier call may have
     * reached the vendor, the vendor's own records are asked before sending again. A vendor's refusal (bad number,
     * unsubscribed recipient) fails the message for good; anything retryable is thrown for Temporal to retry.
     */
    async sendMessage(messageId: string): Promise<DeliveryState> {
      const em = orm.em.fork();
      const message = await em.findOne(Message, { id: messageId }, { populate: ['document'] });
      if (!message)
        throw ApplicationFailure.nonRetryable(`message ${messageId} does not exist`, failureTypes.messageNotFound);
      if (message.status !== 'queued' && message.status !== 'sending') {
        return { status: message.status, channel: message.channel };
      }
      const connection = await loadConnection(em, message.connection?.id ?? '');
      const vendor = connection.vendor;
      const earlierCalls = message.sendAttempts;
      await announce(await transitionMessage(em, messageId, { status: 'sending' }));
      const [counted] = await em
        .getConnection()
        .execute<{ sendStartedAt: string | Date }[]>(
          `update messages set send_attempts = send_attempts + 1, updated_at = now() where id = ? returning send_started_at as "sendStartedAt"`,
          [messageId],
        );
      const document = message.document
        ? await em.findOneOrFail(JobDocument, { id: message.document.id }, { populate: ['content'] })
        : null;
      const outbound: OutboundMessage = {
        id: message.id,
        channel: message.channel,
        toAddress: message.toAddress ?? null,
        subject: message.subject ?? null,
        body: message.body ?? '',
        slackChannel: message.slackChannel ?? null,
        vendorThreadId: message.vendorThreadId ?? null,
        sendStartedAt: counted ? new Date(counted.sendStartedAt) : new Date(),
        document: document ? { name: document.name, content: Buffer.from(document.content) } : null,
      };
      try {
        const { secrets, tokens } = connectionAccess(deps, connection, async () => undefined);
        const sender = messageSender(vendor, {
          connection,
          secrets,
          tokens,
          clients: vendors.actions,
          ...(deps.publicBaseUrl ? { publicBaseUrl: deps.publicBaseUrl } : {}),
        });
        const found = earlierCalls > 0 ? await withHeartbeats(() => sender.find(outbound)) : null;
        if (found) await logStep(messageId, vendor, 'found_sent', { ids: found.ids, earlierCalls });
        const outcome = found ?? (await withHeartbeats(() => sender.send(outbound)));
        await recordVendorIds(em, messageId, outcome.ids);
        const transition: MessageTransition = outcome.deliveredOnSend
          ? { status: 'delivered', at: new Date(), vendorStatus: outcome.vendorStatus }
          : { status: 'sent', at: new Date(), vendorStatus: outcome.vendorStatus };
        const row = await transitionMessage(em, messageId, transition);
        await announce(row);
        if (!found) await logStep(messageId, vendor, 'sent', { ids: outcome.ids, call: earlierCalls + 1 });
        return { status: row?.status ?? transition.status, channel: message.channel };
      } catch (error) {
        if (isVendorError(error) && !error.retryable) {
          return fail(messageId, vendor, error.message, error.details.code ? String(error.details.code) : error.kind);
        }
        throw toActivityFailure(error);
      }
    },

    /** Gives up on a message whose sends kept failing (the workflow ran out of retries). */
    async markMessageFailed(input: { messageId: string; reason: string }): Promise<DeliveryState> {
      const message = await orm.em.fork().findOneOrFail(Message, { id: input.messageId });
      return fail(input.messageId, message.vendor ?? message.channel, input.reason, 'gave_up');
    },

    /** Applies vendor status reports in arrival order; repeats and stale reports change nothing. */
    async applyMessageStatus(input: { messageId: string; updates: MessageStatusUpdate[] }): Promise<DeliveryState> {
      const em = orm.em.fork();
      for (const update of input.updates) {
        const at = new Date(update.at);
        const transition: MessageTransition =
          update.status === 'failed'
            ? {
                status: 'failed',
                at,
                vendorStatus: update.vendorStatus,
                failureReason: update.errorMessage ?? `the vendor reported ${update.vendorStatus}`,
                ...(update.errorCode ? { failureCode: update.errorCode } : {}),
              }
            : { status: update.status, at, vendorStatus: update.vendorStatus };
        await announce(await transitionMessage(em, input.messageId, transition));
      }
      const message = await em.findOneOrFail(Message, { id: input.messageId });
      return { status: message.status, channel: message.channel };
    },
  };
}
