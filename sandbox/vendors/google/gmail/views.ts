import type { EmailMessage } from '../../../core/world.js';
import { invalidParameter } from '../errors.js';
import { messageId } from '../ids.js';
import { presentHistoryId, type GoogleWorldState } from '../state.js';
import { composeMessage, headerValue, messageHeaders, mimeTree, worldHeaders, type Header } from './rfc2822.js';

export const FORMATS = ['full', 'metadata', 'minimal', 'raw'] as const;
export type Format = (typeof FORMATS)[number];

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Gmail snippets are HTML-escaped ("I&#39;ll call"). */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!);

/** The message as RFC 2822 text: the bytes that were sent, or composed from the world record. */
export function rawOf(state: GoogleWorldState, email: EmailMessage): string {
  return state.rawMessages.get(email.key) ?? composeMessage(worldHeaders(email, messageId(email.key)), email.body);
}

function headersOf(state: GoogleWorldState, email: EmailMessage): Header[] {
  const raw = state.rawMessages.get(email.key);
  return raw ? messageHeaders(Buffer.from(raw)) : worldHeaders(email, messageId(email.key));
}

/** The message's Message-ID header (what `rfc822msgid:` searches). */
export function messageIdOf(state: GoogleWorldState, email: EmailMessage): string | undefined {
  const raw = state.rawMessages.get(email.key);
  if (raw === undefined) return headerValue(worldHeaders(email, messageId(email.key)), 'message-id');
  return headerValue(messageHeaders(Buffer.from(raw)), 'message-id');
}

export const messageRef = (email: EmailMessage) => ({ id: messageId(email.key), threadId: messageId(email.threadKey) });

/** A Gmail Message resource in one of the four formats of `messages.get`. */
export function messageResource(
  state: GoogleWorldState,
  email: EmailMessage,
  format: Format,
  metadataHeaders: string[] = [],
): Record<string, unknown> {
  const raw = rawOf(state, email);
  const base = {
    ...messageRef(email),
    labelIds: [...email.labelIds],
    snippet: escapeHtml(email.body.replace(/\s+/g, ' ').trim().slice(0, 200)),
    sizeEstimate: Buffer.byteLength(raw),
    historyId: presentHistoryId(state, email.historyId),
    internalDate: String(email.sentAt),
  };
  if (format === 'minimal') return base;
  if (format === 'raw') return { ...base, raw: Buffer.from(raw).toString('base64url') };
  const stored = state.rawMessages.get(email.key);
  // A sent message has its own MIME structure; world mail is a single text/plain part.
  if (format === 'full' && stored !== undefined) return { ...base, payload: mimeTree(Buffer.from(stored)) };
  let headers = headersOf(state, email);
  if (format === 'metadata' && metadataHeaders.length > 0) {
    const wanted = metadataHeaders.map((name) => name.toLowerCase());
    headers = headers.filter((header) => wanted.includes(header.name.toLowerCase()));
  }
  const mimeType = (headerValue(headers, 'content-type') ?? 'text/plain').split(';')[0]!.trim();
  const payload: Record<string, unknown> = { partId: '', mimeType, filename: '', headers };
  if (format === 'full') {
    const text = Buffer.from(email.body);
    payload.body = { size: text.length, data: text.toString('base64url') };
  }
  return { ...base, payload };
}

export function parseFormat(value: string | undefined): Format {
  if (value === undefined) return 'full';
  if (!(FORMATS as readonly string[]).includes(value)) throw invalidParameter('format', `Invalid value '${value}'.`);
  return value as Format;
}
