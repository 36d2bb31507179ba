import { VendorError } from '../core/errors.js';
import { malformed, VENDOR } from './errors.js';

/** A message as we use it: Slack's `ts` is the message id within its channel. */
export interface SlackMessage {
  ts: string;
  /** The thread's root ts for a reply (and for a root that has replies); null for a plain message. */
  threadTs: string | null;
  /** The author: a user id, or for an app's posts its bot user id (null for some system messages). */
  user: string | null;
  text: string;
  replyCount: number;
  /** The send marker our client left on it, if any (see `sendMarker`). */
  idempotencyKey: string | null;
  fileIds: string[];
}

/**
 * How a send is found again after a crash. Slack has no idempotency header, so each post carries the caller's key
 * twice: as message `metadata` (Slack's documented mechanism, read back with `include_all_metadata`) and as the
 * `block_id` of the message's first block, which conversations.history returns verbatim. The block id is the one
 * the sandbox preserves (it does not model metadata); matching either keeps real Slack and the sandbox equivalent.
 */
export const MARKER_EVENT_TYPE = 'dashboard_outbound_message';
const BLOCK_ID_PREFIX = 'dashboard-send:';
/** Slack's block_id limit is 255 characters. */
const MAX_KEY_LENGTH = 255 - BLOCK_ID_PREFIX.length;
/** A section block's text is capped at 3000 characters; longer messages become several sections. */
const SECTION_TEXT_LIMIT = 3000;

export function assertIdempotencyKey(key: string): void {
  if (!key || key.length > MAX_KEY_LENGTH) {
    throw new VendorError(VENDOR, 'validation', `idempotency key must be 1-${MAX_KEY_LENGTH} characters`);
  }
}

export function markerMetadata(key: string) {
  return { event_type: MARKER_EVENT_TYPE, event_payload: { idempotency_key: key } };
}

/** The text as mrkdwn sections (how Slack renders `text` anyway), the first one carrying the marker. */
export function markedBlocks(key: string, text: string) {
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += SECTION_TEXT_LIMIT) {
    chunks.push(text.slice(start, start + SECTION_TEXT_LIMIT));
  }
  return chunks.map((chunk, index) => ({
    type: 'section',
    ...(index === 0 ? { block_id: `${BLOCK_ID_PREFIX}${key}` } : {}),
    text: { type: 'mrkdwn', text: chunk },
  }));
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function markerOf(message: Json): string | null {
  const metadata = message.metadata;
  if (isObject(metadata) && metadata.event_type === MARKER_EVENT_TYPE && isObject(metadata.event_payload)) {
    const key = text(metadata.event_payload.idempotency_key);
    if (key) return key;
  }
  const blockId =
    Array.isArray(message.blocks) && isObject(message.blocks[0]) ? text(message.blocks[0].block_id) : null;
  return blockId?.startsWith(BLOCK_ID_PREFIX) ? blockId.slice(BLOCK_ID_PREFIX.length) : null;
}

export function parseMessage(value: unknown): SlackMessage {
  if (!isObject(value) || typeof value.ts !== 'string') throw malformed('message without ts');
  return {
    ts: value.ts,
    threadTs: text(value.thread_ts),
    user: text(value.user),
    text: text(value.text) ?? '',
    replyCount: typeof value.reply_count === 'number' ? value.reply_count : 0,
    idempotencyKey: markerOf(value),
    fileIds: Array.isArray(value.files)
      ? value.files.flatMap((file) => (isObject(file) && typeof file.id === 'string' ? [file.id] : []))
      : [],
  };
}

/** conversations.history / conversations.replies: messages plus the next cursor ("" or absent when done). */
export function parseMessagePage(reply: unknown): { messages: SlackMessage[]; nextCursor: string | null } {
  if (!isObject(reply) || !Array.isArray(reply.messages)) throw malformed('no messages array');
  const next = isObject(reply.response_metadata) ? text(reply.response_metadata.next_cursor) : null;
  return { messages: reply.messages.map(parseMessage), nextCursor: next || null };
}
