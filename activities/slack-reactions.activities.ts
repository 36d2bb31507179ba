import { applyReactionChange } from '../db/repositories/message-reactions.js';
import type { SlackReactionInput } from '../workflows/track-slack-reaction.js';
import type { ActivityDeps } from './deps.js';

/** The onReaction step (workflows/track-slack-reaction.ts). */
export function createSlackReactionActivities({ orm, events }: ActivityDeps) {
  return {
    /** Applies one reaction change to the message row with that channel and ts, and announces the row. */
    async applySlackReaction(input: SlackReactionInput): Promise<{ applied: boolean; messageId: string | null }> {
      const { applied, message } = await applyReactionChange(orm.em.fork(), {
        slackChannel: input.channel,
        slackTs: input.ts,
        action: input.action,
        reaction: input.reaction,
        user: input.user,
        eventTs: input.eventTs,
      });
      // Announced even when this attempt changed nothing: an earlier attempt may have committed the change and then
      // failed to announce it, and a repeated announcement of the same row tells listeners nothing wrong.
      if (message) await events.publish('message.status', { ...message });
      return { applied, messageId: message?.id ?? null };
    },
  };
}
