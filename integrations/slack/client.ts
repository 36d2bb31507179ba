import { LogLevel, WebClient } from '@slack/web-api';
import { VendorError } from '../core/errors.js';
import type { Page } from '../core/records.js';
import { malformed, toVendorError, VENDOR } from './errors.js';
import { assertIdempotencyKey, markedBlocks, markerMetadata, parseMessagePage, type SlackMessage } from './payloads.js';

export interface SlackClientOptions {
  /** The bot token (`xoxb-…`) the connection stores as its access token. */
  token: string;
  /** Default `https://slack.com/api/`; the sandbox's `apiUrl` in tests. */
  endpointUrl?: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Messages per history page (default 200, within Slack's documented 999). */
  historyPageSize?: number;
  /** Pages findSent reads before giving up (default 10): it looks back at most pages × page size messages. */
  findSentMaxPages?: number;
}

export interface SendSlackMessage {
  /** Channel id (`C…`). */
  channel: string;
  text: string;
  /** Post as a reply in this thread (the root message's ts). */
  threadTs?: string;
  /** A business id (our message id), never an attempt number: it is how findSent recognises the post. */
  idempotencyKey: string;
}

export interface SentSlackMessage {
  channel: string;
  ts: string;
  threadTs: string | null;
}

export interface FindSentSlackMessage {
  channel: string;
  idempotencyKey: string;
  /** Where the reply was posted, for a threaded send (history lists only top-level messages). */
  threadTs?: string;
  /** Only look at messages after this ts or time (e.g. when the send was first queued): fewer pages to read. */
  oldest?: string | Date;
}

export interface UploadSlackFile {
  channel: string;
  filename: string;
  data: Buffer;
  title?: string;
  /** The text of the share message (shown above the file). */
  initialComment?: string;
  threadTs?: string;
  /** A business id, never an attempt number: the share message carries it, which is how findUploadedFile works. */
  idempotencyKey: string;
}

export interface FindUploadedSlackFile {
  channel: string;
  idempotencyKey: string;
  /** Where the file was shared, for a threaded upload (history lists only top-level messages). */
  threadTs?: string;
  /** Only look at messages after this ts or time (e.g. when the upload was first queued). */
  oldest?: string | Date;
}

/** An upload found again: its files and the message that shared them. */
export interface UploadedSlackFile extends SentSlackMessage {
  fileIds: string[];
}

export interface SlackClient {
  readonly vendor: typeof VENDOR;
  /** chat.postMessage with the send marker; a thread starts with a plain post whose ts replies then use. */
  sendMessage(message: SendSlackMessage): Promise<SentSlackMessage>;
  /** The message an earlier sendMessage with this key posted, from Slack's own history; null if none. */
  findSent(query: FindSentSlackMessage): Promise<SentSlackMessage | null>;
  /** conversations.history: top-level messages and thread roots, newest first. */
  getConversationHistory(query: {
    channel: string;
    cursor?: string;
    limit?: number;
    oldest?: string | Date;
  }): Promise<Page<SlackMessage>>;
  /** conversations.replies: the root first, then replies oldest first. */
  getThreadReplies(query: {
    channel: string;
    threadTs: string;
    cursor?: string;
    limit?: number;
  }): Promise<Page<SlackMessage>>;
  /**
   * files upload v2 (get URL, upload bytes, complete), shared to the channel or thread by a message that carries
   * the send marker in its blocks (so the comment goes in a block too: Slack ignores blocks next to initial_comment).
   */
  uploadFile(file: UploadSlackFile): Promise<{ fileIds: string[] }>;
  /**
   * The files an earlier uploadFile with this key shared, from the share message in Slack's history; null if none.
   * Slack shares a completed upload asynchronously, so right after a crash the message may still be on its way:
   * call it on a retry, not straight after a failed upload.
   */
  findUploadedFile(query: FindUploadedSlackFile): Promise<UploadedSlackFile | null>;
}

/** Slack ts form ("seconds.micros") of a Date; a ts passes through. */
function tsOf(value: string | Date): string {
  return typeof value === 'string' ? value : (value.getTime() / 1000).toFixed(6);
}

export function createSlackClient(options: SlackClientOptions): SlackClient {
  const web = new WebClient(options.token, {
    ...(options.endpointUrl ? { slackApiUrl: options.endpointUrl } : {}),
    timeout: options.timeoutMs ?? 30_000,
    // Temporal retries (after the Retry-After we report); the SDK's own 30-minute retry queue would hide that.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
  const maxPages = options.findSentMaxPages ?? 10;
  const pageSize = options.historyPageSize ?? 200;

  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toVendorError(error);
    }
  };

  const history: SlackClient['getConversationHistory'] = async (query) => {
    const reply = await call(() =>
      web.conversations.history({
        channel: query.channel,
        limit: query.limit ?? pageSize,
        include_all_metadata: true,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.oldest ? { oldest: tsOf(query.oldest) } : {}),
      }),
    );
    const page = parseMessagePage(reply);
    return { items: page.messages, nextCursor: page.nextCursor };
  };

  const replies: SlackClient['getThreadReplies'] = async (query) => {
    const reply = await call(() =>
      web.conversations.replies({
        channel: query.channel,
        ts: query.threadTs,
        limit: query.limit ?? pageSize,
        include_all_metadata: true,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
    const page = parseMessagePage(reply);
    return { items: page.messages, nextCursor: page.nextCursor };
  };

  /** The first message read (history: newest first; a thread: oldest first) with the key's marker that `accept`s. */
  const findMarked = async (
    query: FindSentSlackMessage,
    accept: (message: SlackMessage) => boolean,
  ): Promise<SlackMessage | null> => {
    assertIdempotencyKey(query.idempotencyKey);
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const found = query.threadTs
        ? await replies({ channel: query.channel, threadTs: query.threadTs, cursor })
        : await history({ channel: query.channel, cursor, ...(query.oldest ? { oldest: query.oldest } : {}) });
      const match = found.items.find((item) => item.idempotencyKey === query.idempotencyKey && accept(item));
      if (match) return match;
      if (!found.nextCursor) return null;
      cursor = found.nextCursor;
    }
    // Not found within the pages read is not proof of absence: re-sending now could duplicate, so say so.
    throw new VendorError(VENDOR, 'conflict', `send ${query.idempotencyKey} not found in ${maxPages} pages`);
  };

  return {
    vendor: VENDOR,

    async sendMessage(message) {
      assertIdempotencyKey(message.idempotencyKey);
      const reply = await call(() =>
        web.chat.postMessage({
          channel: message.channel,
          // Still sent: notifications and clients without block support show it.
          text: message.text,
          blocks: markedBlocks(message.idempotencyKey, message.text),
          metadata: markerMetadata(message.idempotencyKey),
          ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        }),
      );
      if (typeof reply.ts !== 'string' || typeof reply.channel !== 'string') throw malformed('postMessage without ts');
      return { channel: reply.channel, ts: reply.ts, threadTs: message.threadTs ?? null };
    },

    async findSent(query) {
      const match = await findMarked(query, () => true);
      return match ? { channel: query.channel, ts: match.ts, threadTs: query.threadTs ?? null } : null;
    },

    async findUploadedFile(query) {
      const match = await findMarked(query, (message) => message.fileIds.length > 0);
      if (!match) return null;
      return { channel: query.channel, ts: match.ts, threadTs: query.threadTs ?? null, fileIds: match.fileIds };
    },

    getConversationHistory: history,
    getThreadReplies: replies,

    async uploadFile(file) {
      assertIdempotencyKey(file.idempotencyKey);
      // No initial_comment: Slack ignores `blocks` when it is given, and the blocks carry the marker.
      const details = {
        file: file.data,
        filename: file.filename,
        ...(file.title ? { title: file.title } : {}),
        blocks: markedBlocks(file.idempotencyKey, file.initialComment || file.title || file.filename),
      };
      const reply = await call(() =>
        web.filesUploadV2(
          file.threadTs
            ? { ...details, channel_id: file.channel, thread_ts: file.threadTs }
            : { ...details, channel_id: file.channel },
        ),
      );
      const fileIds = reply.files.flatMap((completed) => (completed.files ?? []).flatMap((f) => (f.id ? [f.id] : [])));
      if (fileIds.length === 0) throw malformed('upload completed without file ids');
      return { fileIds };
    },
  };
}
