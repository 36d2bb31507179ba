import type { EntityManager } from '@mikro-orm/postgresql';
import { EMAIL_KEY_SQL, PHONE_KEY_SQL } from '../entities/client.js';
import type { MessageChannel, MessageStatus } from '../entities/enums.js';
import { emailKey, phoneKey } from './customer-matching.js';

/** The row fields every status change reports (the `message.status` event's payload). */
export interface MessageStatusRow {
  id: string;
  channel: MessageChannel;
  direction: 'inbound' | 'outbound';
  status: MessageStatus;
  vendorStatus: string | null;
  clientId: string | null;
  jobId: string | null;
  threadKey: string | null;
  failureReason: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
}

export type MessageTransition =
  | { status: 'sending' }
  | { status: 'sent'; at: Date; vendorStatus?: string }
  | { status: 'delivered'; at: Date; vendorStatus?: string }
  | { status: 'failed'; at: Date; vendorStatus?: string; failureCode?: string; failureReason: string }
  | { status: 'read'; at: Date; vendorStatus?: string };

/*
 * Which statuses each transition may leave. Nothing moves backwards and `failed` and `delivered` are final for the
 * status column, so a late `sent` callback after `delivered`, or a redelivered event, changes nothing. A read
 * receipt implies delivery, so it also moves a `sent` message on.
 */
const FROM: Record<MessageTransition['status'], readonly MessageStatus[]> = {
  sending: ['queued'],
  sent: ['queued', 'sending'],
  delivered: ['queued', 'sending', 'sent'],
  failed: ['queued', 'sending', 'sent'],
  read: ['queued', 'sending', 'sent', 'delivered'],
};

const RETURNING = `id, channel, direction, status, vendor_status as "vendorStatus", client_id as "clientId",
  job_id as "jobId", thread_key as "threadKey", failure_reason as "failureReason", sent_at as "sentAt",
  delivered_at as "deliveredAt", read_at as "readAt"`;

/**
 * Applies one transition if the state machine allows it, in one guarded UPDATE (no read-modify-write race between
 * a send finishing and a webhook arriving). Returns the row after the change, or null when nothing changed.
 */
export async function transitionMessage(
  em: EntityManager,
  messageId: string,
  transition: MessageTransition,
): Promise<MessageStatusRow | null> {
  const sets: string[] = ['updated_at = now()'];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `?`;
  };
  if (transition.status === 'read') {
    sets.push(`read_at = coalesce(read_at, ${param(transition.at)})`);
    sets.push(`status = case when status in ('queued', 'sending', 'sent') then 'delivered' else status end`);
    sets.push(`delivered_at = coalesce(delivered_at, ${param(transition.at)})`);
  } else {
    sets.push(`status = ${param(transition.status)}`);
  }
  if (transition.status === 'sending') sets.push('send_started_at = coalesce(send_started_at, now())');
  if (transition.status === 'sent' || transition.status === 'delivered') {
    sets.push(`sent_at = coalesce(sent_at, ${param(transition.at)})`);
  }
  if (transition.status === 'delivered') sets.push(`delivered_at = coalesce(delivered_at, ${param(transition.at)})`);
  if (transition.status === 'failed') {
    sets.push(`failure_reason = ${param(transition.failureReason)}`);
    sets.push(`failure_code = ${param(transition.failureCode ?? null)}`);
  }
  if (transition.status !== 'sending' && transition.vendorStatus) {
    sets.push(`vendor_status = ${param(transition.vendorStatus)}`);
  }
  const guard =
    transition.status === 'read' ? `status in ('queued', 'sending', 'sent', 'delivered') and read_at is null` : null;
  const allowed = FROM[transition.status].map((status) => `'${status}'`).join(', ');
  const rows = await em.getConnection().execute<MessageStatusRow[]>(
    `update messages set ${sets.join(', ')}
       where id = ? and direction = 'outbound' and ${guard ?? `status in (${allowed})`}
       returning ${RETURNING}`,
    [...params, messageId],
  );
  return rows[0] ?? null;
}

/** Vendor ids of an accepted send: recorded with the `sent` transition, and repeat-safe. */
export interface SentVendorIds {
  twilioSid?: string;
  sendgridId?: string;
  gmailMessageId?: string;
  slackTs?: string;
  vendorThreadId?: string;
  fromAddress?: string;
}

export async function recordVendorIds(em: EntityManager, messageId: string, ids: SentVendorIds): Promise<void> {
  await em.getConnection().execute(
    `update messages set twilio_sid = coalesce(?, twilio_sid), sendgrid_id = coalesce(?, sendgrid_id),
       gmail_message_id = coalesce(?, gmail_message_id), slack_ts = coalesce(?, slack_ts),
       vendor_thread_id = coalesce(?, vendor_thread_id), from_address = coalesce(?, from_address),
       updated_at = now()
     where id = ?`,
    [
      ids.twilioSid ?? null,
      ids.sendgridId ?? null,
      ids.gmailMessageId ?? null,
      ids.slackTs ?? null,
      ids.vendorThreadId ?? null,
      ids.fromAddress ?? null,
      messageId,
    ],
  );
}

/** The message row of a vendor id (status callbacks name Twilio's sid; SendGrid events the X-Message-Id). */
export async function messageIdByVendorId(
  em: EntityManager,
  column: 'twilio_sid' | 'sendgrid_id',
  vendorId: string,
): Promise<string | null> {
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(`select id from messages where ${column} = ? limit 1`, [vendorId]);
  return rows[0]?.id ?? null;
}

/**
 * The live client an address belongs to, by the customer matcher's keys (db/entities/client.ts): a phone for SMS,
 * an email for email. Several clients sharing one address: the most recently updated wins.
 */
export async function clientIdByAddress(
  em: EntityManager,
  channel: MessageChannel,
  address: string,
): Promise<string | null> {
  const key = channel === 'sms' ? phoneKey(address) : channel === 'email' ? emailKey(address) : null;
  if (!key) return null;
  const expression = channel === 'sms' ? PHONE_KEY_SQL : EMAIL_KEY_SQL;
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from clients where ${expression} = ? and deleted_at is null order by updated_at desc limit 1`,
      [key],
    );
  return rows[0]?.id ?? null;
}

/**
 * The conversation a message belongs to: per client and channel when the client is known, else per address;
 * Slack conversations are per channel, and per thread inside one.
 */
export function threadKeyOf(
  channel: MessageChannel,
  where: { clientId?: string | null; address?: string | null; slackChannel?: string | null; threadTs?: string | null },
): string | null {
  if (channel === 'slack') {
    if (!where.slackChannel) return null;
    return where.threadTs ? `slack:${where.slackChannel}:${where.threadTs}` : `slack:${where.slackChannel}`;
  }
  if (where.clientId) return `${channel}:client:${where.clientId}`;
  const key = channel === 'sms' ? phoneKey(where.address) : emailKey(where.address);
  return key ? `${channel}:address:${key}` : null;
}
