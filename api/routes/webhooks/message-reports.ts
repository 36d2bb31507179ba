import { Message } from '../../../db/entities/index.js';
import { signalMessageStatus, startInboundMessage } from '../../../temporal/action-starters.js';
import { startOnce } from '../../../temporal/start-once.js';
import { workflowIds } from '../../../temporal/workflow-ids.js';
import type { MessageStatusUpdate } from '../../../workflows/message-signals.js';
import type { InboundMessageInput } from '../../../workflows/record-inbound-message.js';
import type { AppDeps } from '../../deps.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a vendor's status report names the message it is about. */
export interface MessageReference {
  /** The connection that verified the report: a vendor account reports only on its own sends. */
  connectionId: string;
  vendorId: { twilioSid: string } | { sendgridId: string } | null;
  /**
   * Our message id, which every send carries as its idempotency key. It finds a message whose report arrives
   * before the worker recorded the vendor's id (Twilio can call back before the send's reply is stored).
   */
  idempotencyKey: string | null;
}

/** Finds the outbound message a report is about, or null when none of ours matches (logged by the caller). */
export async function outboundMessageId(deps: AppDeps, reference: MessageReference): Promise<string | null> {
  const matches = [
    ...(reference.vendorId ? [reference.vendorId] : []),
    ...(reference.idempotencyKey && UUID.test(reference.idempotencyKey) ? [{ id: reference.idempotencyKey }] : []),
  ];
  if (matches.length === 0) return null;
  const message = await deps.orm.em
    .fork()
    .findOne(Message, { $or: matches, direction: 'outbound', connection: reference.connectionId }, { fields: ['id'] });
  return message?.id ?? null;
}

/** Hands a report to the message's delivery workflow (signal, or a short run when the delivery already ended). */
export async function reportMessageStatus(
  deps: AppDeps,
  message: { id: string; vendor: string },
  update: MessageStatusUpdate,
): Promise<void> {
  await signalMessageStatus(deps.temporal.client, deps.config.temporal.taskQueue, message, update);
}

/**
 * Starts the recording of an inbound message and returns its workflow id. The id is the vendor's message id, so a
 * redelivery joins the running recording, and one after it finished is refused by Temporal: both are the same
 * message, answered 2xx.
 */
export function recordInboundMessage(deps: AppDeps, inbound: InboundMessageInput): Promise<string> {
  return startOnce(
    () => startInboundMessage(deps.temporal.client, deps.config.temporal.taskQueue, inbound),
    workflowIds.inboundMessage(inbound.vendor, inbound.vendorMessageId),
  );
}
