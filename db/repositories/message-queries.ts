import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessageChannel, MessageDirection, MessageStatus, Vendor } from '../entities/enums.js';
import { REACTION_ORDER_KEY } from './message-reactions.js';

/** One message as the API lists it. */
export interface MessageRow {
  id: string;
  channel: MessageChannel;
  direction: MessageDirection;
  status: MessageStatus;
  vendor: Vendor | null;
  connectionId: string | null;
  clientId: string | null;
  jobId: string | null;
  fromAddress: string | null;
  toAddress: string | null;
  subject: string | null;
  body: string | null;
  slackChannel: string | null;
  vendorThreadId: string | null;
  threadKey: string | null;
  vendorMessageId: string | null;
  vendorStatus: string | null;
  failureCode: string | null;
  failureReason: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  /** Slack reactions: emoji name → the users who reacted. */
  reactions: Record<string, string[]>;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const MESSAGE_COLUMNS = `m.id, m.channel, m.direction, m.status, m.vendor, m.connection_id as "connectionId",
  m.client_id as "clientId", m.job_id as "jobId", m.from_address as "fromAddress", m.to_address as "toAddress",
  m.subject, m.body, m.slack_channel as "slackChannel", m.vendor_thread_id as "vendorThreadId",
  m.thread_key as "threadKey",
  coalesce(m.twilio_sid, m.sendgrid_id, m.gmail_message_id, m.slack_ts) as "vendorMessageId",
  m.vendor_status as "vendorStatus", m.failure_code as "failureCode", m.failure_reason as "failureReason",
  m.sent_at as "sentAt", m.delivered_at as "deliveredAt", m.read_at as "readAt",
  m.reactions - '${REACTION_ORDER_KEY}' as reactions, m.created_by_id as "createdById",
  m.created_at as "createdAt", m.updated_at as "updatedAt"`;

/** Raw queries return timestamps as PostgreSQL's text; the platform parses them the way entities get them. */
function withDates<T extends object>(em: EntityManager, row: T, columns: readonly (keyof T)[]): T {
  const parsed = { ...row };
  for (const column of columns) {
    const value = row[column];
    if (typeof value === 'string') parsed[column] = em.getPlatform().parseDate(value) as T[keyof T];
  }
  return parsed;
}

const MESSAGE_DATES = ['sentAt', 'deliveredAt', 'readAt', 'createdAt', 'updatedAt'] as const;

export interface MessageFilter {
  channel?: MessageChannel;
  direction?: MessageDirection;
  status?: MessageStatus;
  clientId?: string;
  jobId?: string;
  threadKey?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  /** A LIKE pattern (already escaped) matched case-insensitively against subject and body. */
  textPattern?: string;
}

/** Where the previous page ended, in (created_at desc, id desc) order. */
export interface MessagePosition {
  createdAt: Date;
  id: string;
}

/**
 * Newest first, `limit` rows after `after`. The cursor's time comes back from JavaScript with millisecond precision,
 * so the row it names is looked up for its exact created_at (a row written with microseconds would otherwise be
 * skipped or repeated); the cursor's own time stands in when that row has been deleted since.
 */
export async function listMessages(
  em: EntityManager,
  filter: MessageFilter,
  page: { after?: MessagePosition; limit: number },
): Promise<MessageRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.channel) add('m.channel = ?', filter.channel);
  if (filter.direction) add('m.direction = ?', filter.direction);
  if (filter.status) add('m.status = ?', filter.status);
  if (filter.clientId) add('m.client_id = ?', filter.clientId);
  if (filter.jobId) add('m.job_id = ?', filter.jobId);
  if (filter.threadKey) add('m.thread_key = ?', filter.threadKey);
  if (filter.from) add('m.created_at >= ?', filter.from);
  if (filter.to) add('m.created_at < ?', filter.to);
  if (filter.textPattern) add('(m.body ilike ? or m.subject ilike ?)', filter.textPattern, filter.textPattern);
  if (page.after) {
    add(
      `(m.created_at, m.id) < (coalesce((select created_at from messages where id = ?), ?), ?)`,
      page.after.id,
      page.after.createdAt,
      page.after.id,
    );
  }
  const sql = `select ${MESSAGE_COLUMNS} from messages m
    ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
    order by m.created_at desc, m.id desc limit ?`;
  const rows = await em.getConnection().execute<MessageRow[]>(sql, [...params, page.limit]);
  return rows.map((row) => withDates(em, row, MESSAGE_DATES));
}

export async function findMessage(em: EntityManager, id: string): Promise<MessageRow | null> {
  const rows = await em
    .getConnection()
    .execute<MessageRow[]>(`select ${MESSAGE_COLUMNS} from messages m where m.id = ?`, [id]);
  return rows[0] ? withDates(em, rows[0], MESSAGE_DATES) : null;
}

/** Marks an inbound message read; the first read time stays. Null when there is no such inbound message. */
export async function markInboundRead(em: EntityManager, id: string): Promise<MessageRow | null> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `update messages set read_at = coalesce(read_at, now()), updated_at = case when read_at is null then now() else updated_at end
      where id = ? and direction = 'inbound' returning id`,
    [id],
  );
  return rows[0] ? findMessage(em, id) : null;
}

/** One conversation: its latest message, how many it holds and how many inbound ones nobody has read. */
export interface ThreadRow {
  threadKey: string;
  channel: MessageChannel;
  /** The client of the latest message that names one (a Slack thread may involve several). */
  clientId: string | null;
  messageCount: number;
  unreadCount: number;
  /** The latest message's created_at as PostgreSQL prints it (microseconds and offset): the exact keyset value. */
  lastActivity: string;
  lastMessage: {
    id: string;
    excerpt: string | null;
    direction: MessageDirection;
    status: MessageStatus;
    at: Date;
  };
}

export interface ThreadFilter {
  channel?: MessageChannel;
  /** Threads in which this client has at least one message; counts still cover the whole thread. */
  clientId?: string;
}

export interface ThreadPosition {
  lastActivity: string;
  threadKey: string;
}

/** How much of the latest message's body a thread shows. */
export const THREAD_EXCERPT_LENGTH = 140;

/** Threads by last activity, newest first, keyset-paged on (last activity, thread key). */
export async function listThreads(
  em: EntityManager,
  filter: ThreadFilter,
  page: { after?: ThreadPosition; limit: number },
): Promise<ThreadRow[]> {
  const where = ['thread_key is not null'];
  const having: string[] = [];
  const params: unknown[] = [];
  if (filter.channel) {
    where.push('channel = ?');
    params.push(filter.channel);
  }
  if (filter.clientId) {
    having.push('bool_or(client_id = ?)');
    params.push(filter.clientId);
  }
  const after = page.after ? 'where (t.last_at, t.thread_key) < (cast(? as timestamptz), ?)' : '';
  if (page.after) params.push(page.after.lastActivity, page.after.threadKey);
  const rows = await em.getConnection().execute<(Omit<ThreadRow, 'lastMessage'> & LastMessageColumns)[]>(
    `with threads as (
       select thread_key, max(created_at) as last_at, count(*)::int as message_count,
         count(*) filter (where direction = 'inbound' and read_at is null)::int as unread_count,
         (array_agg(client_id order by created_at desc, id desc) filter (where client_id is not null))[1] as client_id
       from messages where ${where.join(' and ')}
       group by thread_key
       ${having.length > 0 ? `having ${having.join(' and ')}` : ''}
     )
     select t.thread_key as "threadKey", last.channel, t.client_id as "clientId",
       t.message_count as "messageCount", t.unread_count as "unreadCount", t.last_at::text as "lastActivity",
       last.id as "lastId", left(last.body, ${THREAD_EXCERPT_LENGTH}) as "lastExcerpt",
       last.direction as "lastDirection", last.status as "lastStatus", last.created_at as "lastAt"
     from threads t
     join lateral (
       select id, channel, body, direction, status, created_at from messages m
        where m.thread_key = t.thread_key order by m.created_at desc, m.id desc limit 1
     ) last on true
     ${after}
     order by t.last_at desc, t.thread_key desc
     limit ?`,
    [...params, page.limit],
  );
  return rows.map(({ lastId, lastExcerpt, lastDirection, lastStatus, lastAt, ...thread }) => ({
    ...thread,
    lastMessage: {
      id: lastId,
      excerpt: lastExcerpt,
      direction: lastDirection,
      status: lastStatus,
      at: withDates(em, { at: lastAt }, ['at']).at,
    },
  }));
}

interface LastMessageColumns {
  lastId: string;
  lastExcerpt: string | null;
  lastDirection: MessageDirection;
  lastStatus: MessageStatus;
  lastAt: Date;
}
