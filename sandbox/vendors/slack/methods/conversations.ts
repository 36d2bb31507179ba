import type { SlackMessage } from '../../../core/world.js';
import { SlackApiError } from '../errors.js';
import { optionalBool, optionalInt, optionalString, requiredString } from '../request.js';
import {
  channelView,
  decodeCursor,
  encodeCursor,
  findChannel,
  findMessage,
  messageView,
  tsString,
  tsValue,
} from '../views.js';
import type { MethodCall, SlackMethod } from './types.js';

function pageSize(call: MethodCall, fallback: number, max: number): number {
  const limit = optionalInt(call.args, 'limit') ?? fallback;
  // Slack treats 0 (and anything out of range) as "the default page", capped at the method's maximum.
  return limit <= 0 ? fallback : Math.min(limit, max);
}

function nextCursor(kind: string, value: string | undefined): Record<string, unknown> {
  return { response_metadata: { next_cursor: value === undefined ? '' : encodeCursor(kind, value) } };
}

/** Timestamp bounds: exclusive unless `inclusive` is true; `latest` defaults to now. */
function bounds(call: MethodCall): { oldest: number; latest: number; inclusive: boolean } {
  const parse = (name: string, fallback: number) => {
    const value = optionalString(call.args, name);
    if (value === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(value)) throw new SlackApiError('invalid_ts_' + name);
    return tsValue(value);
  };
  return {
    oldest: parse('oldest', 0),
    latest: parse('latest', Date.now() * 1000),
    inclusive: optionalBool(call.args, 'inclusive'),
  };
}

export const conversationsList: SlackMethod = {
  tier: 'tier2',
  scope: 'channels:read',
  run(call) {
    const world = call.sandbox.world;
    const types = (optionalString(call.args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
    // The sandbox workspace has public channels only, none archived.
    const channels = types.includes('public_channel') ? world.slackChannels : [];
    const limit = pageSize(call, 100, 1000);
    const after = decodeCursor(optionalString(call.args, 'cursor'), 'channel');
    const start = after === undefined ? 0 : channels.findIndex((channel) => channel.id === after);
    if (start < 0) throw new SlackApiError('invalid_cursor');
    const page = channels.slice(start, start + limit);
    return {
      ok: true,
      channels: page.map((channel) => channelView(world, channel)),
      ...nextCursor('channel', channels[start + limit]?.id),
    };
  },
};

export const conversationsHistory: SlackMethod = {
  tier: 'tier3',
  scope: 'channels:history',
  run(call) {
    const world = call.sandbox.world;
    const channel = findChannel(world, requiredString(call.args, 'channel', 'channel_not_found'));
    const { oldest, latest, inclusive } = bounds(call);
    const limit = pageSize(call, 100, 999);
    const cursor = decodeCursor(optionalString(call.args, 'cursor'), 'next_ts');
    const upTo = cursor === undefined ? undefined : Number(cursor);
    const inRange = (value: number) =>
      (inclusive ? value >= oldest && value <= latest : value > oldest && value < latest) &&
      (upTo === undefined || value <= upTo);
    // History shows top-level messages and thread parents, newest first; replies live in conversations.replies.
    const messages = world.slackMessages
      .filter((m) => m.channelKey === channel.key && (!m.threadTs || m.threadTs === m.ts) && inRange(tsValue(m.ts)))
      .sort((a, b) => tsValue(b.ts) - tsValue(a.ts));
    const page = messages.slice(0, limit);
    const next = messages[limit];
    return {
      ok: true,
      messages: page.map((message) => messageView(world, call.state, message)),
      has_more: next !== undefined,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      ...nextCursor('next_ts', next ? String(tsValue(next.ts)) : undefined),
    };
  },
};

export const conversationsReplies: SlackMethod = {
  tier: 'tier3',
  scope: 'channels:history',
  run(call) {
    const world = call.sandbox.world;
    const channel = findChannel(world, requiredString(call.args, 'channel', 'channel_not_found'));
    const ts = requiredString(call.args, 'ts', 'thread_not_found');
    const found = findMessage(world, channel, ts);
    if (!found) throw new SlackApiError('thread_not_found');
    const rootTs = found.threadTs ?? found.ts;
    const { oldest, latest, inclusive } = bounds(call);
    const limit = pageSize(call, 1000, 1000);
    const cursor = decodeCursor(optionalString(call.args, 'cursor'), 'next_ts');
    const from = cursor === undefined ? undefined : Number(cursor);
    const inRange = (m: SlackMessage) => {
      const value = tsValue(m.ts);
      if (from !== undefined && value < from) return false;
      return m.ts === rootTs || (inclusive ? value >= oldest && value <= latest : value > oldest && value < latest);
    };
    // The parent comes first, then the replies oldest first.
    const thread = world.slackMessages
      .filter((m) => m.channelKey === channel.key && (m.ts === rootTs || m.threadTs === rootTs) && inRange(m))
      .sort((a, b) => tsValue(a.ts) - tsValue(b.ts));
    const page = thread.slice(0, limit);
    const next = thread[limit];
    return {
      ok: true,
      messages: page.map((message) => messageView(world, call.state, message)),
      has_more: next !== undefined,
      ...nextCursor('next_ts', next ? String(tsValue(next.ts)) : undefined),
    };
  },
};

/** A fresh message ts: now, but always after every message already in the world (ts are unique and ordered). */
export function nextTs(messages: readonly SlackMessage[], now = Date.now()): string {
  let latest = 0;
  for (const message of messages) latest = Math.max(latest, tsValue(message.ts));
  return tsString(Math.max(now * 1000, latest + 1));
}
