import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { ConnectionStatus, Vendor } from '../db/entities/enums.js';
import { threadKeyOf } from '../db/repositories/messages.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActivityDeps } from './deps.js';

/** One vendor connection as the `status` and `sync` commands describe it. */
export interface ConnectionSummary {
  id: string;
  vendor: Vendor;
  /** The display name, else the vendor's account id. */
  name: string;
  status: ConnectionStatus;
  /** ISO 8601: when a sync of any of its resources last completed (set with the checkpoint by finishSync). */
  lastSyncedAt: string | null;
}

export interface SlackReplyInput {
  connectionId: string;
  channel: string;
  /** The mention being answered: its channel and ts name the reply, so it is queued once however often asked. */
  mentionTs: string;
  /** The thread to answer in: the mention's thread root, or the mention itself. */
  threadTs: string;
  text: string;
}

/** Fixed namespace of the reply ids, so the same mention always names the same reply. */
const MENTION_REPLY_NAMESPACE = '5a142ff8-71dd-4606-92df-979e1500c1f0';

/*
 * RFC 9562 UUID version 5 (SHA-1 of namespace and name). Written out because `uuid` is not one of our dependencies,
 * and the id must be a uuid: it is the messages row's primary key.
 */
function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of the reply to one mention. */
export function mentionReplyId(channel: string, mentionTs: string): string {
  return uuidV5(`slack-mention:${channel}:${mentionTs}`, MENTION_REPLY_NAMESPACE);
}

/** The steps of the onMention workflow (workflows/handle-slack-mention.ts) that read or write our database. */
export function createSlackMentionActivities({ orm }: ActivityDeps) {
  return {
    async listConnectionSummaries(): Promise<ConnectionSummary[]> {
      const rows = await orm.em
        .fork()
        .getConnection()
        .execute<Array<Omit<ConnectionSummary, 'lastSyncedAt'> & { lastSyncedAt: string | Date | null }>>(
          `select id, vendor, coalesce(display_name, external_account_id) as name, status,
                last_synced_at as "lastSyncedAt"
           from vendor_connections order by vendor, name, id`,
        );
      return rows.map((row) => ({
        ...row,
        lastSyncedAt: row.lastSyncedAt === null ? null : new Date(row.lastSyncedAt).toISOString(),
      }));
    },

    /**
     * Queues the reply as an outbound Slack message, the row the API would create for a send, under an id derived
     * from the mention: a retried attempt or a second run of the same mention finds the row already there.
     */
    async queueSlackReply(input: SlackReplyInput): Promise<{ messageId: string }> {
      const messageId = mentionReplyId(input.channel, input.mentionTs);
      const connection = orm.em.fork().getConnection();
      await connection.execute(
        `insert into messages (id, channel, direction, status, vendor, connection_id, body, slack_channel,
                               vendor_thread_id, thread_key)
         select ?, 'slack', 'outbound', 'queued', 'slack', c.id, ?, ?, ?, ?
           from vendor_connections c where c.id = ? and c.vendor = 'slack'
         on conflict (id) do nothing`,
        [
          messageId,
          input.text,
          input.channel,
          input.threadTs,
          threadKeyOf('slack', { slackChannel: input.channel, threadTs: input.threadTs }),
          input.connectionId,
        ],
      );
      const [queued] = await connection.execute<{ id: string }[]>(`select id from messages where id = ?`, [messageId]);
      if (!queued) {
        throw ApplicationFailure.nonRetryable(
          `Slack connection ${input.connectionId} does not exist`,
          failureTypes.connectionNotFound,
        );
      }
      return { messageId };
    },
  };
}
