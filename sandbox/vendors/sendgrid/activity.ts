import type { Middleware } from 'koa';
import { parseActivityQuery, QuerySyntaxError, type QueryableMessage } from './activity-query.js';
import type { AuthState } from './auth.js';
import { SendgridError } from './errors.js';
import type { SendgridEvent } from './events.js';
import { sgMessageId } from './ids.js';
import type { MailSend } from './validate.js';

/*
 * The Email Activity API's `GET /v3/messages` ("Filter all messages" [DOC]): one row per message and recipient,
 * newest first, with the reply shape of SendGrid's OpenAPI document (twilio/sendgrid-oai,
 * tsg_email_activity_v3.yaml): `{ messages: [{ from_email, msg_id, subject, to_email, status, opens_count,
 * clicks_count, last_event_time }] }`. `msg_id` is the per-recipient id the events call `sg_message_id`.
 * Real SendGrid fills the feed a few seconds after the send; the simulator lists a send at once.
 */

export type ActivityStatus = 'processed' | 'delivered' | 'not_delivered';

export interface ActivityMessage extends QueryableMessage {
  msgId: string;
  fromEmail: string;
  toEmail: string;
  subject: string;
  status: ActivityStatus;
  opensCount: number;
  clicksCount: number;
  /** Send order, for newest-first listing. */
  sequence: number;
}

/** `limit` must be 1–1000, default 10 [DOC]. The 400 wording for a bad limit is UNVERIFIED. */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1000;

/** SendGrid prints ISO-8601 times without milliseconds (`2017-10-13T18:56:21Z` in the OpenAPI example). */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function statusOf(events: readonly SendgridEvent[]): ActivityStatus {
  const names = new Set(events.map((event) => event.event));
  if (names.has('bounce') || names.has('dropped')) return 'not_delivered';
  return names.has('delivered') ? 'delivered' : 'processed';
}

/**
 * The feed's rows for one accepted send: each recipient of each personalization, in the order `eventsForSend`
 * numbered them, with the status and counts those events imply and the send's custom args (SendGrid's query
 * language still calls them `unique_args`).
 */
export function activityForSend(
  mail: MailSend,
  send: { messageId: string; sequence: number; at: number },
  events: readonly SendgridEvent[],
): ActivityMessage[] {
  const timestamp = Math.floor(send.at / 1000);
  const rows: ActivityMessage[] = [];
  let position = 0;
  for (const personalization of mail.personalizations) {
    const subject = personalization.subject ?? mail.subject ?? '';
    const uniqueArgs = { ...mail.custom_args, ...personalization.custom_args };
    for (const { email } of [...personalization.to, ...personalization.cc, ...personalization.bcc]) {
      const msgId = sgMessageId(send.messageId, send.sequence, timestamp, position++);
      const own = events.filter((event) => event.sg_message_id === msgId);
      const lastEventTime = Math.max(timestamp, ...own.map((event) => Number(event.timestamp))) * 1000;
      const status = statusOf(own);
      rows.push({
        msgId,
        fromEmail: mail.from.email,
        toEmail: email,
        subject,
        status,
        opensCount: own.filter((event) => event.event === 'open').length,
        clicksCount: own.filter((event) => event.event === 'click').length,
        sequence: send.sequence,
        lastEventTime,
        uniqueArgs,
        fields: {
          msg_id: msgId,
          from_email: mail.from.email,
          to_email: email,
          subject,
          status,
          ...(mail.template_id ? { template_id: mail.template_id } : {}),
        },
      });
    }
  }
  return rows;
}

function limitOf(value: string | string[] | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new SendgridError(400, [{ field: 'limit', message: 'limit must be an integer from 1 to 1000' }]);
  }
  return limit;
}

/** `GET /v3/messages?query=&limit=`: rows matching the query, newest first; 400 for a query outside the subset. */
export function filterMessages(messages: () => readonly ActivityMessage[]): Middleware<AuthState> {
  return (ctx) => {
    const limit = limitOf(ctx.query.limit);
    const query = ctx.query.query;
    let matches;
    try {
      matches = parseActivityQuery(typeof query === 'string' ? query : '');
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw error;
      throw new SendgridError(400, [{ field: null, message: error.message }]);
    }
    const found = messages()
      .filter(matches)
      .sort((a, b) => b.sequence - a.sequence)
      .slice(0, limit);
    ctx.body = {
      messages: found.map((row) => ({
        from_email: row.fromEmail,
        msg_id: row.msgId,
        subject: row.subject,
        to_email: row.toEmail,
        status: row.status,
        opens_count: row.opensCount,
        clicks_count: row.clicksCount,
        last_event_time: iso(row.lastEventTime),
      })),
    };
  };
}
