import type { Client } from '@temporalio/client';
import type { SlackMentionInput } from '../workflows/handle-slack-mention.js';
import type { handleSlackMention, trackSlackReaction } from '../workflows/index.js';
import type { SlackReactionInput } from '../workflows/track-slack-reaction.js';
import { searchAttributes } from './search-attribute-keys.js';
import { startOnce } from './start-once.js';
import { workflowIds } from './workflow-ids.js';

/*
 * The Slack event handlers' starters (api/routes/webhooks/slack.ts calls them). A redelivered event joins the run
 * its first delivery started (USE_EXISTING) or, once that run ended, is refused (REJECT_DUPLICATE): either way the
 * caller gets the same workflow id back and nothing happens twice.
 */

function slackEventAttributes(kind: string, connectionId: string) {
  return [
    { key: searchAttributes.syncKind, value: kind },
    { key: searchAttributes.vendor, value: 'slack' },
    { key: searchAttributes.connectionId, value: connectionId },
  ];
}

/** Answers a mention of our app (`@bot status`, `@bot sync jobber`, …) in its thread. */
export function startSlackMentionHandling(
  client: Client,
  taskQueue: string,
  input: SlackMentionInput,
): Promise<string> {
  const workflowId = workflowIds.slackMention(input.connectionId, input.channel, input.ts);
  return startOnce(
    () =>
      client.workflow.start<typeof handleSlackMention>('handleSlackMention', {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: slackEventAttributes('slack_mention', input.connectionId),
      }),
    workflowId,
  );
}

/** Applies one reaction added to or removed from a message we store. */
export function startSlackReactionTracking(
  client: Client,
  taskQueue: string,
  input: SlackReactionInput,
): Promise<string> {
  const workflowId = workflowIds.slackReaction(
    input.connectionId,
    input.channel,
    input.ts,
    input.eventTs,
    input.reaction,
    input.user,
    input.action,
  );
  return startOnce(
    () =>
      client.workflow.start<typeof trackSlackReaction>('trackSlackReaction', {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: slackEventAttributes('slack_reaction', input.connectionId),
      }),
    workflowId,
  );
}
