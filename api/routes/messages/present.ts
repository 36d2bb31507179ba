import type { SyncLog } from '../../../db/entities/index.js';
import type { MessageRow, ThreadRow } from '../../../db/repositories/message-queries.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A message as the API shows it: every column but the send bookkeeping, vendor ids folded into one. */
export function presentMessage(row: MessageRow) {
  return {
    id: row.id,
    channel: row.channel,
    direction: row.direction,
    status: row.status,
    vendor: row.vendor,
    connectionId: row.connectionId,
    clientId: row.clientId,
    jobId: row.jobId,
    from: row.fromAddress,
    to: row.toAddress,
    subject: row.subject,
    body: row.body,
    slackChannel: row.slackChannel,
    vendorThreadId: row.vendorThreadId,
    threadKey: row.threadKey,
    vendorMessageId: row.vendorMessageId,
    vendorStatus: row.vendorStatus,
    failureCode: row.failureCode,
    failureReason: row.failureReason,
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    readAt: iso(row.readAt),
    reactions: row.reactions,
    createdBy: row.createdById,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** One step of a message's delivery, from the sync_log rows its workflow wrote. */
export function presentHistoryEntry(step: SyncLog) {
  return {
    step: step.step ?? step.status,
    status: step.status,
    service: step.service,
    errorMessage: step.errorMessage ?? null,
    metadata: step.metadata ?? {},
    at: step.createdAt.toISOString(),
  };
}

export function presentThread(thread: ThreadRow) {
  return {
    threadKey: thread.threadKey,
    channel: thread.channel,
    clientId: thread.clientId,
    messageCount: thread.messageCount,
    unreadCount: thread.unreadCount,
    lastMessage: { ...thread.lastMessage, at: thread.lastMessage.at.toISOString() },
  };
}
