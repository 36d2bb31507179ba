import { ActivityFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';
import { messageStatusSignal, type MessageStatusUpdate } from './message-signals.js';

export { messageStatusSignal };

export interface DeliverMessageInput {
  messageId: string;
}

type Activities = ReturnType<typeof createActivities>;

/*
 * The send heartbeats every 2 s while it waits on the vendor: a worker that dies mid-send is noticed within the
 * heartbeat timeout and the send retried (after first asking the vendor whether it already happened).
 */
const { sendMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_VENDOR_FAILURES,
      failureTypes.messageNotFound,
      failureTypes.connectionNotFound,
      failureTypes.credentialsUnreadable,
    ],
  },
});

const { prepareDelivery, applyMessageStatus, markMessageFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [failureTypes.messageNotFound],
  },
});

/** How long a sent message waits for its delivery report before the workflow stops listening. */
const DELIVERY_REPORT_WINDOW = '3 days';

const isFinal = (status: string) => status === 'delivered' || status === 'failed';

/**
 * Delivers one message row exactly once, then follows the vendor's status reports. The id is the message's, so
 * the API's start and every webhook's signal-with-start meet in one workflow; a report arriving after the workflow
 * ended starts a short run that finds the message already sent and only applies the report.
 */
export async function deliverMessage(input: DeliverMessageInput): Promise<{ status: string }> {
  const reports: MessageStatusUpdate[] = [];
  setHandler(messageStatusSignal, (update) => {
    reports.push(update);
  });

  let { status } = await prepareDelivery(input.messageId);
  if (status === 'queued' || status === 'sending') {
    try {
      ({ status } = await sendMessage(input.messageId));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const reason = error.cause?.message ?? error.message;
      ({ status } = await markMessageFailed({ messageId: input.messageId, reason }));
    }
  }

  // A report may say more than the send did (a read receipt after delivery), so pending ones are applied first.
  while (reports.length > 0 || !isFinal(status)) {
    if (reports.length === 0 && !(await condition(() => reports.length > 0, DELIVERY_REPORT_WINDOW))) break;
    ({ status } = await applyMessageStatus({ messageId: input.messageId, updates: reports.splice(0) }));
  }
  return { status };
}
