import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';

/** A message a customer or colleague sent us, as a verified webhook (or a mailbox read) reported it. */
export interface InboundMessageInput {
  vendor: 'twilio' | 'sendgrid' | 'google' | 'slack';
  channel: 'sms' | 'email' | 'slack';
  connectionId: string | null;
  /** Twilio's MessageSid, Gmail's message id, or `<channel>:<ts>` for Slack: unique per vendor. */
  vendorMessageId: string;
  from: string;
  to: string | null;
  subject?: string;
  body: string;
  /** ISO 8601. */
  receivedAt: string;
  /** Slack: the channel id, and the thread's root ts when the message is a reply. */
  slackChannel?: string;
  threadTs?: string;
  /** Email: the vendor's thread id, to join the conversation our outbound message started. */
  vendorThreadId?: string;
}

type Activities = ReturnType<typeof createActivities>;

const { recordInboundMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** Stores one inbound message, linked to its client and conversation; a redelivered webhook joins the same run. */
export async function receiveInboundMessage(input: InboundMessageInput): Promise<{ messageId: string }> {
  return recordInboundMessage(input);
}
