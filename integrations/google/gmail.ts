import { createHash } from 'node:crypto';
// Gmail's module alone: the package index loads every Google API (~70 MB of a worker's resident memory).
import { gmail, type gmail_v1 } from 'googleapis/build/src/apis/gmail/index.js';
import { isVendorError, VendorError } from '../core/errors.js';
import type { Page } from '../core/records.js';
import { malformed, VENDOR } from './errors.js';
import { messageList, messageRef, parseGmailMessage, type GmailMessage } from './gmail-payloads.js';
import { composeEmail } from './mime.js';
import { GMAIL_ROOT_URL, googleCall, sdkOptions, type GoogleApiOptions } from './request.js';

export type { GmailMessage } from './gmail-payloads.js';

export interface GmailClientOptions extends GoogleApiOptions {
  /** Default `me`: the mailbox of the user who granted access. */
  userId?: string;
  /** Right-hand side of the Message-IDs we mint. Default `business-dashboard`. */
  messageIdDomain?: string;
}

export interface EmailToSend {
  /** A business id (our message id), never an attempt number: it becomes the Message-ID findSent looks for. */
  idempotencyKey: string;
  to: string | string[];
  /** Default: the account's own address, which Gmail fills in. */
  from?: string;
  subject: string;
  text: string;
  html?: string;
  /** Gmail thread to add the message to; Gmail also wants the subject to match the thread's [DOC: Sending]. */
  threadId?: string;
  /** Message-ID of the message answered. */
  inReplyTo?: string;
}

export interface SentEmail {
  id: string;
  threadId: string;
  rfc822MessageId: string;
}

export interface GmailListQuery {
  /** Gmail search syntax (`from:ann is:unread`). */
  query?: string;
  labelIds?: string[];
  /** The previous page's `nextCursor`; the same query must be repeated with it. */
  pageToken?: string;
  /** Messages per page (default 25, Gmail's maximum 500); each costs one `messages.get`. */
  pageSize?: number;
}

export interface GmailClient {
  sendEmail(email: EmailToSend): Promise<SentEmail>;
  /** The message an earlier sendEmail with this key sent, found by its Message-ID; null if none. */
  findSent(query: { idempotencyKey: string }): Promise<{ id: string; threadId: string } | null>;
  listMessages(query?: GmailListQuery): Promise<Page<GmailMessage>>;
  /** Applies the label with this name, creating it first when the mailbox has none. */
  addLabel(messageId: string, labelName: string): Promise<{ labelId: string; labelIds: string[] }>;
}

/** Keys already fit for a Message-ID's left side stay readable; anything else is replaced by its hash. */
const READABLE_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9_+-]|\.(?!\.)){0,127}$/;

/**
 * The Message-ID a send with this key carries: `<key@business-dashboard>` (RFC 5322 msg-id, dot-atom both sides).
 * Gmail search finds a message by it with `rfc822msgid:` [DOC: Gmail search operators].
 */
export function messageIdFor(idempotencyKey: string, domain = 'business-dashboard'): string {
  if (!idempotencyKey) throw new VendorError(VENDOR, 'validation', 'an email send needs an idempotency key');
  const left =
    READABLE_KEY.test(idempotencyKey) && !idempotencyKey.endsWith('.')
      ? idempotencyKey
      : `k${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
  return `<${left}@${domain}>`;
}

const GET_CONCURRENCY = 5;

/**
 * Gmail v1 through googleapis: sends keyed by a Message-ID derived from the business id (Gmail has no
 * idempotency key; its own search finds the send again), reads as our GmailMessage, and labels by name.
 */
export function createGmailClient(options: GmailClientOptions): GmailClient {
  const userId = options.userId ?? 'me';
  const domain = options.messageIdDomain ?? 'business-dashboard';
  const api = gmail({ version: 'v1', ...sdkOptions(options, GMAIL_ROOT_URL) });
  const call = googleCall(options);

  /** null when the message went away between list and get. */
  async function getMessage(id: string): Promise<GmailMessage | null> {
    try {
      return parseGmailMessage(
        await call(async (auth) => (await api.users.messages.get({ userId, id, format: 'full', auth })).data),
      );
    } catch (error) {
      if (isVendorError(error, 'not_found')) return null;
      throw error;
    }
  }

  async function labels(): Promise<gmail_v1.Schema$Label[]> {
    const data = await call(async (auth) => (await api.users.labels.list({ userId, auth })).data);
    if (!data || typeof data !== 'object' || (data.labels !== undefined && !Array.isArray(data.labels))) {
      throw malformed('labels.list did not return labels');
    }
    return data.labels ?? [];
  }

  /** Label names are unique regardless of case in a mailbox. */
  const named = (all: gmail_v1.Schema$Label[], name: string) =>
    all.find((label) => label.name?.toLowerCase() === name.toLowerCase() && typeof label.id === 'string')?.id;

  async function labelIdFor(name: string): Promise<string> {
    const existing = named(await labels(), name);
    if (existing) return existing;
    try {
      const created = await call(
        async (auth) =>
          (
            await api.users.labels.create({
              userId,
              requestBody: { name, labelListVisibility: 'labelShow', messageListVisibility: 'show' },
              auth,
            })
          ).data,
      );
      if (typeof created?.id !== 'string') throw malformed('labels.create did not return a label id');
      return created.id;
    } catch (error) {
      // 409: made meanwhile (a concurrent attempt): use that one.
      if (!isVendorError(error, 'conflict')) throw error;
      const raced = named(await labels(), name);
      if (!raced) throw error;
      return raced;
    }
  }

  return {
    async sendEmail(email) {
      const rfc822MessageId = messageIdFor(email.idempotencyKey, domain);
      const raw = composeEmail({
        messageId: rfc822MessageId,
        to: Array.isArray(email.to) ? email.to : [email.to],
        subject: email.subject,
        text: email.text,
        ...(email.from ? { from: email.from } : {}),
        ...(email.html !== undefined ? { html: email.html } : {}),
        ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
      });
      const requestBody = {
        raw: Buffer.from(raw).toString('base64url'),
        ...(email.threadId ? { threadId: email.threadId } : {}),
      };
      const sent = await call(async (auth) => (await api.users.messages.send({ userId, requestBody, auth })).data);
      return { ...messageRef(sent, 'messages.send'), rfc822MessageId };
    },

    async findSent({ idempotencyKey }) {
      const q = `rfc822msgid:${messageIdFor(idempotencyKey, domain)}`;
      // Trashed or spam-filed, it was still sent.
      const data = await call(
        async (auth) =>
          (await api.users.messages.list({ userId, q, includeSpamTrash: true, maxResults: 10, auth })).data,
      );
      return messageList(data).refs[0] ?? null;
    },

    async listMessages(query = {}) {
      const maxResults = Math.min(500, Math.max(1, Math.floor(query.pageSize ?? 25)));
      const data = await call(
        async (auth) =>
          (
            await api.users.messages.list({
              userId,
              maxResults,
              ...(query.query ? { q: query.query } : {}),
              ...(query.labelIds?.length ? { labelIds: query.labelIds } : {}),
              ...(query.pageToken ? { pageToken: query.pageToken } : {}),
              auth,
            })
          ).data,
      );
      const { refs, nextPageToken } = messageList(data);
      const items: GmailMessage[] = [];
      // A few gets at a time: each is a request (and 5 quota units) of its own.
      for (let start = 0; start < refs.length; start += GET_CONCURRENCY) {
        const batch = await Promise.all(refs.slice(start, start + GET_CONCURRENCY).map((ref) => getMessage(ref.id)));
        items.push(...batch.filter((message): message is GmailMessage => message !== null));
      }
      return { items, nextCursor: nextPageToken };
    },

    async addLabel(messageId, labelName) {
      if (!labelName.trim()) throw new VendorError(VENDOR, 'validation', 'a label needs a name');
      const labelId = await labelIdFor(labelName.trim());
      const data = await call(
        async (auth) =>
          (await api.users.messages.modify({ userId, id: messageId, requestBody: { addLabelIds: [labelId] }, auth }))
            .data,
      );
      if (!Array.isArray(data?.labelIds)) throw malformed('messages.modify did not return labelIds');
      return { labelId, labelIds: data.labelIds };
    },
  };
}
