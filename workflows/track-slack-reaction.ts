import { log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { SlackReaction } from '../integrations/slack/webhook.js';

/** One reaction put on or taken off a Slack message, as a verified `reaction_added` / `reaction_removed` event said. */
export type SlackReactionInput = SlackReaction & { connectionId: string };

type Activities = ReturnType<typeof createActivities>;

const { applySlackReaction } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/**
 * Keeps a stored message's reactions in step with Slack (the architecture's onReaction). Reactions on messages we
 * do not store (most of a busy channel) are not an error: the run ends with `applied: false`.
 */
export async function trackSlackReaction(input: SlackReactionInput): Promise<{ applied: boolean }> {
  const { applied, messageId } = await applySlackReaction(input);
  if (!messageId) {
    log.info('reaction on a Slack message we do not store', { channel: input.channel, ts: input.ts });
  } else if (!applied) {
    log.info('reaction change already applied or overtaken by a later one', { messageId, eventTs: input.eventTs });
  }
  return { applied };
}
