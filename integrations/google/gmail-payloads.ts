import type { gmail_v1 } from 'googleapis/build/src/apis/gmail/index.js';
import { malformed } from './errors.js';

/** One Gmail message in our terms (from `messages.get` with `format=full`). */
export interface GmailMessage {
  id: string;
  threadId: string;
  /** Header values as written (`Ann <ann@example.com>`); null when absent. */
  from: string | null;
  to: string | null;
  subject: string | null;
  /** The first text/plain part, decoded; '' when the message has none. */
  text: string;
  /** When Gmail accepted the message (`internalDate`), ISO-8601. */
  receivedAt: string;
  labelIds: string[];
  /** The RFC 822 `Message-ID`, angle brackets included. */
  rfc822MessageId: string | null;
  inReplyTo: string | null;
}

function header(headers: gmail_v1.Schema$MessagePartHeader[], name: string): string | null {
  const wanted = name.toLowerCase();
  return headers.find((item) => item.name?.toLowerCase() === wanted)?.value ?? null;
}

/** Depth first, the first text/plain leaf: a multipart message keeps its text in `parts` [DOC: MessagePart]. */
function plainText(part: gmail_v1.Schema$MessagePart | undefined): string | null {
  if (!part) return null;
  if (part.parts && part.parts.length > 0) {
    for (const child of part.parts) {
      const text = plainText(child);
      if (text !== null) return text;
    }
    return null;
  }
  const type = part.mimeType?.toLowerCase() ?? 'text/plain';
  if (!type.startsWith('text/plain') || typeof part.body?.data !== 'string') return null;
  // Part bodies are base64url [DOC: MessagePartBody.data]; Node's decoder also reads the standard alphabet.
  return Buffer.from(part.body.data, 'base64url').toString('utf8');
}

export function parseGmailMessage(data: unknown): GmailMessage {
  const message = data as gmail_v1.Schema$Message | null;
  if (!message || typeof message !== 'object' || typeof message.id !== 'string') {
    throw malformed('messages.get did not return a Message');
  }
  const internalDate = Number(message.internalDate);
  if (!Number.isFinite(internalDate)) throw malformed(`message ${message.id} without internalDate`);
  const headers = message.payload?.headers ?? [];
  return {
    id: message.id,
    threadId: message.threadId ?? message.id,
    from: header(headers, 'From'),
    to: header(headers, 'To'),
    subject: header(headers, 'Subject'),
    text: plainText(message.payload) ?? '',
    receivedAt: new Date(internalDate).toISOString(),
    labelIds: message.labelIds ?? [],
    rfc822MessageId: header(headers, 'Message-ID'),
    inReplyTo: header(headers, 'In-Reply-To'),
  };
}

/** `{id, threadId}` of a send or list entry, checked (googleapis hands back a string when a body is not JSON). */
export function messageRef(data: unknown, what: string): { id: string; threadId: string } {
  const ref = data as gmail_v1.Schema$Message | null;
  if (!ref || typeof ref !== 'object' || typeof ref.id !== 'string' || typeof ref.threadId !== 'string') {
    throw malformed(`${what} did not return a message id and thread id`);
  }
  return { id: ref.id, threadId: ref.threadId };
}

export function messageList(data: unknown): {
  refs: Array<{ id: string; threadId: string }>;
  nextPageToken: string | null;
} {
  const list = data as gmail_v1.Schema$ListMessagesResponse | null;
  if (!list || typeof list !== 'object' || (list.messages !== undefined && !Array.isArray(list.messages))) {
    throw malformed('messages.list did not return a message list');
  }
  return {
    refs: (list.messages ?? []).map((ref) => messageRef(ref, 'messages.list')),
    nextPageToken: list.nextPageToken ?? null,
  };
}
