import type { SlackMessage } from '../../../core/world.js';
import { SlackApiError } from '../errors.js';
import { SLACK_IDENTITY } from '../identity.js';
import { optionalJson, optionalString, requiredString } from '../request.js';
import { findChannel, findMessage, messageView } from '../views.js';
import { nextTs } from './conversations.js';
import { callerOf, type SlackMethod } from './types.js';

const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

/** A `blocks` argument: at most 50 blocks, each an object with a `type`; `invalid_blocks` otherwise. */
export function parseBlocks(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  const valid =
    Array.isArray(value) &&
    value.length <= MAX_BLOCKS &&
    value.every((block) => typeof block === 'object' && block !== null && typeof block.type === 'string');
  if (!valid) throw new SlackApiError('invalid_blocks');
  return value;
}

/**
 * chat.postMessage: posts to a channel (id or name) or into a thread, adds the message to the world, records a
 * `slack_message` delivery and echoes the message to the app's Events subscription.
 */
export const chatPostMessage: SlackMethod = {
  tier: 'postMessagePerChannel',
  scope: 'chat:write',
  rateKey: (args) => `chat.postMessage:${String(args.channel ?? '')}`,
  run(call) {
    const caller = callerOf(call);
    const world = call.sandbox.world;
    const channel = findChannel(world, requiredString(call.args, 'channel', 'channel_not_found'), true);
    const text = optionalString(call.args, 'text') ?? '';
    const blocks = parseBlocks(optionalJson(call.args, 'blocks', 'invalid_blocks'));
    const attachments = optionalJson(call.args, 'attachments', 'invalid_attachments');
    if (!text && !blocks?.length && !attachments) throw new SlackApiError('no_text');
    if (text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
    const threadTs = optionalString(call.args, 'thread_ts');
    let parent: SlackMessage | undefined;
    if (threadTs !== undefined) {
      parent = findMessage(world, channel, threadTs);
      if (!parent) throw new SlackApiError('thread_not_found');
    }
    const message: SlackMessage = {
      key: world.slackMessages.length,
      channelKey: channel.key,
      ts: nextTs(world.slackMessages),
      // A reply to a reply joins the parent's thread: threads are one level deep.
      threadTs: parent ? (parent.threadTs ?? parent.ts) : null,
      user: caller.kind === 'bot' ? SLACK_IDENTITY.botUserId : caller.userId,
      text,
    };
    world.slackMessages.push(message);
    if (blocks) call.state.extras.set(message.key, { blocks });
    call.sandbox.deliveries.record('slack', 'slack_message', {
      channel: channel.id,
      channelName: channel.name,
      ts: message.ts,
      threadTs: message.threadTs,
      text,
      ...(blocks ? { blocks } : {}),
      user: message.user,
    });
    call.posted(message);
    const view = messageView(world, call.state, message);
    delete view.reply_count;
    return { ok: true, channel: channel.id, ts: message.ts, message: view };
  },
};
