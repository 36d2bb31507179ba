import type { WorldChange } from '../../core/sandbox.js';
import type { SlackMessage, World } from '../../core/world.js';
import { SLACK_IDENTITY } from './identity.js';
import type { SlackState } from './state.js';
import { messageView } from './views.js';

/** The inner `event` of a `message` event for a new message (message.channels subscription). */
export function messageEvent(world: World, state: SlackState, message: SlackMessage): Record<string, unknown> {
  const channel = world.slackChannels[message.channelKey];
  const view = messageView(world, state, message);
  // Counters and reactions describe the message later on, not the moment it was posted.
  for (const name of ['reply_count', 'reply_users_count', 'latest_reply', 'reply_users', 'is_locked', 'subscribed']) {
    delete view[name];
  }
  delete view.reactions;
  if (view.thread_ts === message.ts) delete view.thread_ts;
  return {
    ...view,
    ...(state.extras.get(message.key)?.fileIds ? { subtype: 'file_share', upload: true } : {}),
    channel: channel?.id,
    event_ts: message.ts,
    channel_type: 'channel',
  };
}

/** `message_changed`: a hidden message event wrapping the edited message. */
export function messageChangedEvent(
  world: World,
  state: SlackState,
  message: SlackMessage,
  editedAt: string,
): Record<string, unknown> {
  const channel = world.slackChannels[message.channelKey];
  const inner = messageEvent(world, state, message);
  delete inner.channel;
  delete inner.event_ts;
  delete inner.channel_type;
  return {
    type: 'message',
    subtype: 'message_changed',
    message: { ...inner, edited: { user: message.user, ts: editedAt } },
    channel: channel?.id,
    hidden: true,
    ts: editedAt,
    event_ts: editedAt,
    channel_type: 'channel',
  };
}

/** `<@U…>` is how Slack writes a mention in message text; older clients append the name (`<@U…|name>`). */
const BOT_MENTION = new RegExp(`<@${SLACK_IDENTITY.botUserId}(\\|[^>]*)?>`);

/**
 * The `app_mention` Slack sends, next to the `message` event, for a new message that mentions the bot; none for
 * the bot's own posts.
 */
export function appMentionEvent(
  world: World,
  state: SlackState,
  message: SlackMessage,
): Record<string, unknown> | undefined {
  if (message.user === SLACK_IDENTITY.botUserId || !BOT_MENTION.test(message.text)) return undefined;
  const posted = messageEvent(world, state, message);
  return {
    type: 'app_mention',
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: posted.team,
    ...(posted.blocks ? { blocks: posted.blocks } : {}),
    ...(posted.thread_ts ? { thread_ts: posted.thread_ts } : {}),
    channel: posted.channel,
    event_ts: message.ts,
  };
}

export interface Reaction {
  name: string;
  user: string;
}

/** `reaction_added` / `reaction_removed` for a reaction on a message (reactions:read subscription). */
export function reactionEvent(
  world: World,
  message: SlackMessage,
  added: boolean,
  reaction: Reaction,
  eventTs: string,
): Record<string, unknown> {
  return {
    type: added ? 'reaction_added' : 'reaction_removed',
    user: reaction.user,
    reaction: reaction.name,
    item_user: message.user,
    item: { type: 'message', channel: world.slackChannels[message.channelKey]?.id, ts: message.ts },
    event_ts: eventTs,
  };
}

/** Which control-API changes Slack reports: new and edited Slack messages and reactions on them. */
export function concernsSlack(change: WorldChange): boolean {
  if (change.entity === 'slackReaction') return true;
  return change.entity === 'slackMessage' && (change.action === 'create' || change.action === 'update');
}
