import type { WorldChange } from '../../core/sandbox.js';
import type { SlackMessage, World } from '../../core/world.js';
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

/** Which control-API changes Slack reports: new and edited Slack messages; other entities are not Slack's data. */
export function concernsSlack(change: WorldChange): boolean {
  return change.entity === 'slackMessage' && (change.action === 'create' || change.action === 'update');
}
