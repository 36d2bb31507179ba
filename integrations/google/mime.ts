import { createHash } from 'node:crypto';
import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';

/*
 * A small RFC 5322 / MIME message builder for Gmail's `messages.send` (no mail library is installed): UTF-8
 * text as base64 bodies, non-ASCII header text as RFC 2047 encoded words, and no CR or LF from callers in any
 * header, so no caller text can add a header or a recipient.
 */

export interface OutgoingEmail {
  /** `Message-ID` with angle brackets, e.g. `<msg-42@business-dashboard>`. */
  messageId: string;
  /** Mailboxes: `ann@example.com` or `Ann Client <ann@example.com>`. */
  to: string[];
  from?: string;
  subject: string;
  text: string;
  html?: string;
  /** The Message-ID this answers (In-Reply-To and References). */
  inReplyTo?: string;
  date?: Date;
}

const invalid = (message: string) => new VendorError(VENDOR, 'validation', message);

function noLineBreaks(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw invalid(`${field} must not contain line breaks`);
  return value;
}

/** RFC 2047 B-encoded words of at most 45 bytes of UTF-8 each (75 characters), never splitting a character. */
export function encodeWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  words.push(chunk);
  // Folding white space between encoded words is dropped by readers (RFC 2047 §6.2).
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString('base64')}?=`).join('\r\n ');
}

/** `Name <address>` with the name quoted or encoded as needed; a bare address stays bare. */
function mailbox(value: string, field: string): string {
  const trimmed = noLineBreaks(value, field).trim();
  const match = /^(.*?)\s*<([^<>\s]+)>$/.exec(trimmed);
  if (!match) return trimmed;
  const name = match[1]!.replace(/^"(.*)"$/, '$1');
  if (!name) return `<${match[2]}>`;
  const display = /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/(["\\])/g, '\\$1')}"`
    : encodeWords(name).replace(/\r\n /g, ' ');
  return `${display} <${match[2]}>`;
}

/** Base64 in lines of 76 characters (RFC 2045 §6.8). */
function base64Lines(text: string): string {
  return (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

function textPart(type: 'plain' | 'html', text: string): string {
  return [
    `Content-Type: text/${type}; charset="UTF-8"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(text),
  ].join('\r\n');
}

/** Date as RFC 5322 wants it: `Tue, 01 Jul 2025 10:00:00 +0000`. */
const rfc5322Date = (date: Date): string => date.toUTCString().replace('GMT', '+0000');

/** The message's bytes. The same input gives the same bytes (the boundary comes from the Message-ID). */
export function composeEmail(email: OutgoingEmail): string {
  if (email.to.length === 0) throw invalid('an email needs a recipient');
  const headers = [
    ...(email.from ? [`From: ${mailbox(email.from, 'from')}`] : []),
    `To: ${email.to.map((to) => mailbox(to, 'to')).join(',\r\n ')}`,
    `Subject: ${encodeWords(noLineBreaks(email.subject, 'subject'))}`,
    `Date: ${rfc5322Date(email.date ?? new Date())}`,
    `Message-ID: ${noLineBreaks(email.messageId, 'messageId')}`,
    ...(email.inReplyTo
      ? [
          `In-Reply-To: ${noLineBreaks(email.inReplyTo, 'inReplyTo')}`,
          `References: ${noLineBreaks(email.inReplyTo, 'inReplyTo')}`,
        ]
      : []),
    'MIME-Version: 1.0',
  ];
  if (email.html === undefined) return [...headers, textPart('plain', email.text)].join('\r\n');
  // Base64 lines never contain "=_", so this boundary cannot occur inside a part.
  const boundary = `=_${createHash('sha256').update(email.messageId).digest('hex').slice(0, 32)}`;
  return [
    ...headers,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    textPart('plain', email.text),
    `--${boundary}`,
    textPart('html', email.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
