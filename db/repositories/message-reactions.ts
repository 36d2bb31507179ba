import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessageStatusRow } from './messages.js';

/**
 * Where `messages.reactions` remembers, per emoji and user, the Slack `event_ts` of the last change it applied:
 * `{ "thumbsup": ["U1"], "@applied": { "thumbsup": { "U1": "1712345678.000200" } } }`. Slack redelivers and
 * reorders events, and an add and a remove of one reaction are only told apart by that time: an event no later
 * than the remembered one is a repeat or overtaken, and changes nothing. The entry outlives the removal it records,
 * or a delayed add from before the removal would bring the reaction back. No emoji name contains `@`, so the key
 * cannot collide with one (integrations/slack/webhook.ts refuses such names); readers take `visibleReactions`.
 */
export const REACTION_ORDER_KEY = '@applied';

export type Reactions = Record<string, string[]>;

export interface ReactionChange {
  slackChannel: string;
  slackTs: string;
  action: 'added' | 'removed';
  reaction: string;
  user: string;
  /** Slack's `event_ts` ("<seconds>.<micros>"), compared as a number. */
  eventTs: string;
}

/** A message row as the `message.status` event reports it, with its reactions. */
export type ReactedMessageRow = MessageStatusRow & { reactions: Reactions };

export interface ReactionOutcome {
  /** Whether this change was applied now (false: a repeat, an overtaken event, or a message we do not store). */
  applied: boolean;
  /** The message after the change; null when no message has that channel and ts. */
  message: ReactedMessageRow | null;
}

/** The emoji → users map without the ordering bookkeeping. */
export function visibleReactions(stored: Record<string, unknown>): Reactions {
  return Object.fromEntries(Object.entries(stored).filter(([key]) => key !== REACTION_ORDER_KEY)) as Reactions;
}

const ROW = `id, channel, direction, status, vendor_status as "vendorStatus", client_id as "clientId",
  job_id as "jobId", thread_key as "threadKey", failure_reason as "failureReason", sent_at as "sentAt",
  delivered_at as "deliveredAt", read_at as "readAt", reactions - '${REACTION_ORDER_KEY}' as reactions`;

/*
 * One UPDATE whose WHERE holds the ordering check: PostgreSQL re-evaluates it against the latest row version when
 * a concurrent change of the same message commits first, so two events never both read the old reactions.
 * A user is added only when absent (`@>`), and removing the last user removes the emoji.
 */
const APPLY = `
  with change as (select ?::text as emoji, ?::text as person, ?::text as action, ?::text as event_ts)
  update messages m set
    reactions = (
      case
        when c.action = 'added' then m.reactions || jsonb_build_object(c.emoji,
          case when coalesce(m.reactions -> c.emoji, '[]') @> jsonb_build_array(c.person)
            then m.reactions -> c.emoji
            else coalesce(m.reactions -> c.emoji, '[]') || jsonb_build_array(c.person) end)
        when jsonb_array_length(coalesce(m.reactions -> c.emoji, '[]') - c.person) = 0 then m.reactions - c.emoji
        else m.reactions || jsonb_build_object(c.emoji, (m.reactions -> c.emoji) - c.person)
      end
    ) || jsonb_build_object('${REACTION_ORDER_KEY}',
      coalesce(m.reactions -> '${REACTION_ORDER_KEY}', '{}') || jsonb_build_object(c.emoji,
        coalesce(m.reactions #> array['${REACTION_ORDER_KEY}', c.emoji], '{}') || jsonb_build_object(c.person, c.event_ts))),
    updated_at = now()
  from change c
  where m.slack_channel = ? and m.slack_ts = ?
    and coalesce((m.reactions #>> array['${REACTION_ORDER_KEY}', c.emoji, c.person])::numeric, -1) < c.event_ts::numeric
  returning ${ROW}`;

/** Applies one reaction change to the message with that Slack channel and ts, atomically and at most once. */
export async function applyReactionChange(em: EntityManager, change: ReactionChange): Promise<ReactionOutcome> {
  const connection = em.getConnection();
  const [applied] = await connection.execute<ReactedMessageRow[]>(APPLY, [
    change.reaction,
    change.user,
    change.action,
    change.eventTs,
    change.slackChannel,
    change.slackTs,
  ]);
  if (applied) return { applied: true, message: applied };
  const [current] = await connection.execute<ReactedMessageRow[]>(
    `select ${ROW} from messages where slack_channel = ? and slack_ts = ?`,
    [change.slackChannel, change.slackTs],
  );
  return { applied: false, message: current ?? null };
}
