import eventwebhook from '@sendgrid/eventwebhook';
import type { MessageStatusUpdate } from '../../workflows/message-signals.js';
import type { EmailEvent } from './payloads.js';

/*
 * SendGrid's signed Event Webhook [vendor-facts §6.1]: pure functions, no I/O, so the API can use them without the
 * client.
 */

const { EventWebhook, EventWebhookHeader } = eventwebhook;

export const SIGNATURE_HEADER = EventWebhookHeader.SIGNATURE();
export const TIMESTAMP_HEADER = EventWebhookHeader.TIMESTAMP();

/**
 * ECDSA (P-256, SHA-256) over `timestamp + raw body`, checked by @sendgrid/eventwebhook with the verification key
 * from the account's settings (base64 DER, which the library reads without PEM armour). A malformed key or
 * signature is a failed check, not an error.
 */
export function verifySendgridSignature(
  publicKey: string,
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
): boolean {
  if (!publicKey || !signature || !timestamp) return false;
  try {
    const webhook = new EventWebhook();
    return webhook.verifySignature(webhook.convertPublicKeyToECDSA(publicKey), rawBody, signature, timestamp);
  } catch {
    return false;
  }
}

/**
 * An event in our vocabulary, or null for events that move nothing: `processed` (the send already made the message
 * `sent`), `deferred` (SendGrid keeps trying), and engagement or list events other than opens.
 */
export function messageStatusUpdateOf(event: EmailEvent): MessageStatusUpdate | null {
  const base = { vendorStatus: event.event, at: event.occurredAt };
  switch (event.event) {
    case 'delivered':
      return { status: 'delivered', ...base };
    case 'open':
      return { status: 'read', ...base };
    case 'bounce':
    case 'dropped':
      return {
        status: 'failed',
        ...base,
        errorCode: event.event,
        errorMessage:
          event.reason ?? `SendGrid reported the message ${event.event === 'bounce' ? 'bounced' : 'dropped'}`,
      };
    default:
      return null;
  }
}
