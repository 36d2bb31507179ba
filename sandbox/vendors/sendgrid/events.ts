import { eventId, sgMessageId, smtpId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { MailSend } from './validate.js';

/** One Event Webhook event: standard fields plus the message's custom args at top level. */
export type SendgridEvent = Record<string, unknown>;

const MTA_IP = '149.72.0.10';
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0';
const READER_IP = '203.0.113.7';

type Outcome = { kind: 'delivered'; deferred: boolean } | { kind: 'bounce' } | { kind: 'dropped'; reason: string };

function outcomeFor(email: string, options: ResolvedOptions, suppressed: ReadonlyMap<string, string>): Outcome {
  const reason = suppressed.get(email.toLowerCase());
  if (reason) return { kind: 'dropped', reason };
  if (options.dropAddresses.test(email)) return { kind: 'dropped', reason: 'Unsubscribed Address' };
  if (options.bounceAddresses.test(email)) return { kind: 'bounce' };
  return { kind: 'delivered', deferred: options.deferAddresses.test(email) };
}

function firstLink(mail: MailSend): string | undefined {
  const html = mail.content.find((block) => block.type === 'text/html')?.value;
  return html?.match(/href\s*=\s*["']([^"']+)["']/i)?.[1];
}

/**
 * The events SendGrid reports for one accepted send, per recipient (to, cc and bcc of every personalization):
 * `processed`, then `delivered` (after a `deferred` for defer addresses), `bounce` or `dropped`, then optionally
 * `open` and `click`. A bounce puts the address on the suppression list, so later sends to it are dropped.
 */
export function eventsForSend(
  mail: MailSend,
  send: { messageId: string; sequence: number; at: number },
  options: ResolvedOptions,
  suppressed: Map<string, string>,
): SendgridEvent[] {
  const timestamp = Math.floor(send.at / 1000);
  const events: SendgridEvent[] = [];
  let position = 0;
  for (const personalization of mail.personalizations) {
    for (const { email } of [...personalization.to, ...personalization.cc, ...personalization.bcc]) {
      const sgId = sgMessageId(send.messageId, send.sequence, timestamp, position++);
      const event = (name: string, extra: Record<string, unknown> = {}): SendgridEvent => ({
        // Custom args first: SendGrid's own fields win over an arg of the same name.
        ...mail.custom_args,
        ...personalization.custom_args,
        email,
        timestamp,
        'smtp-id': smtpId(send.messageId),
        event: name,
        sg_event_id: eventId(sgId, name),
        sg_message_id: sgId,
        ...(mail.categories.length > 0 ? { category: mail.categories } : {}),
        ...(mail.asm_group_id !== undefined ? { asm_group_id: mail.asm_group_id } : {}),
        ...extra,
      });
      events.push(event('processed'));
      const outcome = outcomeFor(email, options, suppressed);
      if (outcome.kind === 'dropped') {
        events.push(event('dropped', { reason: outcome.reason }));
        continue;
      }
      if (outcome.kind === 'bounce') {
        suppressed.set(email.toLowerCase(), 'Bounced Address');
        events.push(
          event('bounce', {
            reason: '550 5.1.1 The email account that you tried to reach does not exist.',
            status: '5.1.1',
            type: 'bounce',
            bounce_classification: 'Invalid Address',
            ip: MTA_IP,
            tls: 1,
          }),
        );
        continue;
      }
      if (outcome.deferred) {
        events.push(event('deferred', { response: '451 4.7.1 Please try again later', attempt: '1', ip: MTA_IP }));
      }
      events.push(event('delivered', { response: '250 2.0.0 OK', ip: MTA_IP, tls: 1 }));
      if (!options.engagementEvents) continue;
      if (mail.openTracking)
        events.push(event('open', { useragent: USER_AGENT, ip: READER_IP, sg_machine_open: false }));
      const url = mail.clickTracking ? firstLink(mail) : undefined;
      if (url) {
        events.push(
          event('click', { url, url_offset: { index: 0, type: 'html' }, useragent: USER_AGENT, ip: READER_IP }),
        );
      }
    }
  }
  return events;
}
