import { TwilioError } from './errors.js';
import type { Form } from './form.js';
import type { ResolvedOptions } from './options.js';
import type { MessageStore } from './store.js';

export const E164 = /^\+[1-9]\d{7,14}$/;

export interface SendRequest {
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  statusCallback: string | undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Checks a create-message form the way Twilio does, in Twilio's error codes (21211, 21606 and 21610 per the
 * brief; the others and all messages are from memory, UNVERIFIED).
 */
export function validateSend(form: Form, options: ResolvedOptions, store: MessageStore): SendRequest {
  const to = form.first('To');
  const from = form.first('From') ?? null;
  const messagingServiceSid = form.first('MessagingServiceSid') ?? null;
  const body = form.first('Body') ?? '';
  const mediaUrls = form.all('MediaUrl');
  const statusCallback = form.first('StatusCallback');
  const fail = (code: number, message: string) => new TwilioError(400, code, message);

  if (!to) throw fail(21604, "A 'To' phone number is required.");
  if (!E164.test(to)) throw fail(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!from && !messagingServiceSid) throw fail(21603, "A 'From' phone number is required.");
  if (messagingServiceSid && !options.messagingServiceSids.includes(messagingServiceSid)) {
    throw fail(21701, `The Messaging Service Sid ${messagingServiceSid} is invalid.`);
  }
  if (from && !options.phoneNumbers.includes(from)) {
    throw fail(
      21606,
      `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
    );
  }
  if (from === to) throw fail(21266, `'To' and 'From' number cannot be the same: ${to}`);
  if (!body && mediaUrls.length === 0) throw fail(21602, 'Message body is required.');
  if (body.length > 1600) throw fail(21617, 'The concatenated message body exceeds the 1600 character limit.');
  if (mediaUrls.length > 10 || !mediaUrls.every(isHttpUrl)) throw fail(21620, 'Invalid media URL(s).');
  if (statusCallback !== undefined && !isHttpUrl(statusCallback)) {
    throw fail(21609, 'Invalid StatusCallback url.');
  }
  if (store.isOptedOut(to)) throw fail(21610, 'Attempt to send to unsubscribed recipient');
  return { to, from, messagingServiceSid, body, mediaUrls, statusCallback };
}
