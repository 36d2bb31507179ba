import type { SlackChannel, SlackMessage, World } from '../../core/world.js';
import { SlackApiError } from './errors.js';
import { SLACK_IDENTITY } from './identity.js';
import type { SlackState } from './state.js';

/** "1712345678.000123" → microseconds as a number (exact: stays below 2^53 for centuries). */
export function tsValue(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

export function tsString(value: number): string {
  return `${Math.floor(value / 1_000_000)}.${String(value % 1_000_000).padStart(6, '0')}`;
}

/** Slack cursors are opaque base64 strings such as base64("next_ts:1512085861000543"). */
export function encodeCursor(kind: string, value: string): string {
  return Buffer.from(`${kind}:${value}`).toString('base64');
}

export function decodeCursor(cursor: string | undefined, kind: string): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith(`${kind}:`)) throw new SlackApiError('invalid_cursor');
  return decoded.slice(kind.length + 1);
}

/** A channel id ("C…"), or for methods that allow it a name ("general" or "#general"). */
export function findChannel(world: World, reference: string, allowName = false): SlackChannel {
  const byId = world.slackChannels.find((channel) => channel.id === reference);
  if (byId) return byId;
  const name = reference.replace(/^#/, '');
  const byName = allowName ? world.slackChannels.find((channel) => channel.name === name) : undefined;
  if (!byName) throw new SlackApiError('channel_not_found');
  return byName;
}

export function findMessage(world: World, channel: SlackChannel, ts: string): SlackMessage | undefined {
  return world.slackMessages.find((message) => message.channelKey === channel.key && message.ts === ts);
}

export function channelView(world: World, channel: SlackChannel): Record<string, unknown> {
  const created = Math.floor(channel.createdAt / 1000);
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created,
    is_archived: false,
    is_general: channel.name === 'general',
    unlinked: 0,
    name_normalized: channel.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: SLACK_IDENTITY.teamId,
    updated: channel.createdAt,
    parent_conversation: null,
    creator: SLACK_IDENTITY.installerUserId,
    is_ext_shared: false,
    shared_team_ids: [SLACK_IDENTITY.teamId],
    pending_connected_team_ids: [],
    is_member: true,
    topic: { value: channel.topic, creator: SLACK_IDENTITY.installerUserId, last_set: created },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
    num_members: new Set(world.slackMessages.filter((m) => m.channelKey === channel.key).map((m) => m.user)).size,
  };
}

/** Thread parents carry reply counts; replies carry `thread_ts` and `parent_user_id`. */
export function messageView(world: World, state: SlackState, message: SlackMessage): Record<string, unknown> {
  const channel = world.slackChannels[message.channelKey];
  const view: Record<string, unknown> = {
    type: 'message',
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: SLACK_IDENTITY.teamId,
  };
  if (message.user === SLACK_IDENTITY.botUserId) {
    Object.assign(view, { bot_id: SLACK_IDENTITY.botId, app_id: SLACK_IDENTITY.appId });
  }
  const extras = state.extras.get(message.key);
  if (extras?.blocks) view.blocks = extras.blocks;
  if (extras?.fileIds) {
    view.files = extras.fileIds.flatMap((id) => {
      const file = state.files.get(id);
      return file ? [{ id: file.id, name: file.filename, title: file.title, size: file.size }] : [];
    });
    view.upload = false;
  }
  if (message.threadTs && message.threadTs !== message.ts) {
    view.thread_ts = message.threadTs;
    const parent = channel ? findMessage(world, channel, message.threadTs) : undefined;
    if (parent) view.parent_user_id = parent.user;
  } else {
    const replies = world.slackMessages
      .filter((m) => m.channelKey === message.channelKey && m.threadTs === message.ts && m.ts !== message.ts)
      .sort((a, b) => tsValue(a.ts) - tsValue(b.ts));
    const latest = replies.at(-1);
    if (latest) {
      const users = [...new Set(replies.map((m) => m.user))];
      Object.assign(view, {
        thread_ts: message.ts,
        reply_count: replies.length,
        reply_users_count: users.length,
        latest_reply: latest.ts,
        reply_users: users.slice(0, 5),
        is_locked: false,
        subscribed: false,
      });
    }
  }
  const reactions = channel ? state.reactions.get(`${channel.id}:${message.ts}`) : undefined;
  if (reactions && reactions.size > 0) {
    view.reactions = [...reactions].map(([name, users]) => ({ name, users, count: users.length }));
  }
  return view;
}
