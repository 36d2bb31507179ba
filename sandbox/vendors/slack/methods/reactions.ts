import { SlackApiError } from '../errors.js';
import { optionalString, requiredString } from '../request.js';
import { findChannel, findMessage } from '../views.js';
import { callerOf, type SlackMethod } from './types.js';

/** reactions.add: one reaction per user, name and message; a second one is `already_reacted`. */
export const reactionsAdd: SlackMethod = {
  tier: 'tier3',
  scope: 'reactions:write',
  run(call) {
    const caller = callerOf(call);
    const world = call.sandbox.world;
    const name = optionalString(call.args, 'name')?.replace(/^:|:$/g, '');
    const channelRef = optionalString(call.args, 'channel');
    const timestamp = optionalString(call.args, 'timestamp');
    if (!channelRef || !timestamp) throw new SlackApiError('no_item_specified');
    if (!name || !/^[a-z0-9_+'-]+$/.test(name)) throw new SlackApiError('invalid_name');
    const channel = findChannel(world, requiredString(call.args, 'channel'));
    if (!findMessage(world, channel, timestamp)) throw new SlackApiError('message_not_found');
    if (!call.state.addReaction(channel.id, timestamp, name, caller.userId)) {
      throw new SlackApiError('already_reacted');
    }
    return { ok: true };
  },
};
