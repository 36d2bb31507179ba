import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { CreateQuoteInput } from '../activities/quote.activities.js';
import type {
  createQuote,
  deliverMessage,
  keepJobCalendarEvent,
  receiveInboundMessage,
  shareJobDocumentOnDrive,
  writeBackToJobber,
} from '../workflows/index.js';
import type { InboundMessageInput } from '../workflows/record-inbound-message.js';
import {
  jobScheduleChangedSignal,
  messageStatusSignal,
  type MessageStatusUpdate,
} from '../workflows/message-signals.js';
import { writeBackRequestedSignal, type WriteBackInput } from '../workflows/write-back-signals.js';
import { searchAttributes } from './search-attribute-keys.js';
import { workflowIds } from './workflow-ids.js';

/** Action workflows are found in the Web UI by `SyncKind` too: `SyncKind = "message"`. */
function actionAttributes(kind: string, vendor?: string | null) {
  return [
    { key: searchAttributes.syncKind, value: kind },
    ...(vendor ? [{ key: searchAttributes.vendor, value: vendor }] : []),
  ];
}

/** Starts the delivery of a message row the API just committed (USE_EXISTING: a repeated start joins it). */
export function startMessageDelivery(
  client: Client,
  taskQueue: string,
  message: { id: string; vendor?: string | null },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof deliverMessage>> {
  return client.workflow.start<typeof deliverMessage>('deliverMessage', {
    workflowId: workflowIds.message(message.id),
    taskQueue,
    args: [{ messageId: message.id }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: actionAttributes('message', message.vendor),
  });
}

/**
 * Hands a vendor's status report to the message's delivery workflow: signals the running one, or starts a short
 * run that applies it (the delivery already ended, e.g. an open event days later).
 */
export function signalMessageStatus(
  client: Client,
  taskQueue: string,
  message: { id: string; vendor?: string | null },
  update: MessageStatusUpdate,
): Promise<WorkflowHandle<typeof deliverMessage>> {
  return client.workflow.signalWithStart<typeof deliverMessage, [MessageStatusUpdate]>('deliverMessage', {
    workflowId: workflowIds.message(message.id),
    taskQueue,
    args: [{ messageId: message.id }],
    signal: messageStatusSignal,
    signalArgs: [update],
    typedSearchAttributes: actionAttributes('message', message.vendor),
  });
}

/** Records an inbound message (a verified webhook); the vendor's message id makes a redelivery join the first run. */
export function startInboundMessage(
  client: Client,
  taskQueue: string,
  inbound: InboundMessageInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof receiveInboundMessage>> {
  return client.workflow.start<typeof receiveInboundMessage>('receiveInboundMessage', {
    workflowId: workflowIds.inboundMessage(inbound.vendor, inbound.vendorMessageId),
    taskQueue,
    args: [inbound],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A redelivery after the first run finished must not record the message again.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: actionAttributes('inbound_message', inbound.vendor),
  });
}

/**
 * Creates a quote in Jobber under a business key (the request's idempotency key, or a fresh id): a repeated
 * request with the same key joins the first creation instead of making a second quote.
 */
export function startQuoteCreation(
  client: Client,
  taskQueue: string,
  requestKey: string,
  input: CreateQuoteInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof createQuote>> {
  return client.workflow.start<typeof createQuote>('createQuote', {
    workflowId: workflowIds.createQuote(requestKey),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowExecutionTimeout: '5 minutes',
    typedSearchAttributes: actionAttributes('create_quote', 'jobber'),
  });
}

/** A job's schedule or status changed: its Calendar event follows (signals the running reconciliation, or starts one). */
export function requestJobCalendarUpdate(
  client: Client,
  taskQueue: string,
  jobId: string,
  reason: string,
): Promise<WorkflowHandle<typeof keepJobCalendarEvent>> {
  return client.workflow.signalWithStart<typeof keepJobCalendarEvent, [{ reason: string }]>('keepJobCalendarEvent', {
    workflowId: workflowIds.jobCalendar(jobId),
    taskQueue,
    args: [{ jobId }],
    signal: jobScheduleChangedSignal,
    signalArgs: [{ reason }],
    typedSearchAttributes: actionAttributes('job_calendar', 'google'),
  });
}

/** Publishes a stored job document on Drive. */
export function startDocumentShare(
  client: Client,
  taskQueue: string,
  documentId: string,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof shareJobDocumentOnDrive>> {
  return client.workflow.start<typeof shareJobDocumentOnDrive>('shareJobDocumentOnDrive', {
    workflowId: workflowIds.shareDocument(documentId),
    taskQueue,
    args: [{ documentId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: actionAttributes('share_document', 'google'),
  });
}

/**
 * A client or job was saved while a Jobber connection exists: its write-back workflow pushes the row's current
 * state. signalWithStart joins a running push (which then pushes once more), so repeated edits coalesce.
 */
export function requestJobberWriteBack(
  client: Client,
  taskQueue: string,
  input: WriteBackInput,
): Promise<WorkflowHandle<typeof writeBackToJobber>> {
  return client.workflow.signalWithStart<typeof writeBackToJobber, []>('writeBackToJobber', {
    workflowId: workflowIds.writeBack(input.kind, input.id),
    taskQueue,
    args: [input],
    signal: writeBackRequestedSignal,
    signalArgs: [],
    typedSearchAttributes: actionAttributes('write_back', 'jobber'),
  });
}
