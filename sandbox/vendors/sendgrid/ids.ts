import { createHash } from 'node:crypto';

/*
 * SendGrid's ids, derived from the world's seed and a per-simulator send counter, so the same sends after a reset
 * give the same ids (reproducible tests). Shapes follow real values: X-Message-Id is 22 base64url characters; the
 * events' sg_message_id is that id plus a `.filter…` suffix naming the MTA that processed it.
 */

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export function messageId(seed: number, sequence: number): string {
  return digest(`sendgrid:message:${seed}:${sequence}`);
}

/** One per recipient: the message id, the filter host, a hex clock and the recipient's position. */
export function sgMessageId(messageId: string, sequence: number, sentAtSeconds: number, recipient: number): string {
  return `${messageId}.filterdrecv-sandbox-${sequence}-${sentAtSeconds.toString(16).toUpperCase()}-${recipient}.0`;
}

export function eventId(sgMessageId: string, event: string): string {
  return digest(`sendgrid:event:${sgMessageId}:${event}`);
}

export function smtpId(messageId: string): string {
  return `<${messageId}@ismtpd0001p1sandbox.sendgrid.net>`;
}
