import type { AuthFault, Sandbox, VendorFactory, VendorSimulator, WorldChange } from '../../core/sandbox.js';
import type { SlackMessage } from '../../core/world.js';
import { createSlackApp } from './app.js';
import { SlackAuth } from './auth.js';
import { EventDelivery } from './event-delivery.js';
import {
  appMentionEvent,
  concernsSlack,
  messageChangedEvent,
  messageEvent,
  reactionEvent,
  type Reaction,
} from './events.js';
import { BOT_SCOPES, SLACK_IDENTITY } from './identity.js';
import { nextTs } from './methods/conversations.js';
import { resolveOptions, type SlackSimulatorOptions, type SlackSimulatorOverrides } from './options.js';
import { RateLimiter } from './rate-limits.js';
import { SlackState } from './state.js';

export { SLACK_DEFAULTS, type SlackSimulatorOptions, type SlackSimulatorOverrides } from './options.js';
export { SLACK_IDENTITY } from './identity.js';

export interface SlackSimulator extends VendorSimulator {
  readonly options: SlackSimulatorOptions;
  /** Sends Slack's signed `url_verification` to the configured Events URL now; true if the challenge came back. */
  verifyEventsUrl(): Promise<boolean>;
  /** Resolves when every Events API delivery in flight (retries included) is done. */
  drainEvents(): Promise<void>;
}

/** Control-API creates copy the newest message as a template, ts included; Slack gives every message its own ts. */
function ensureUniqueTs(messages: SlackMessage[], message: SlackMessage): void {
  const others = messages.filter((other) => other !== message);
  if (others.some((other) => other.ts === message.ts)) message.ts = nextTs(others);
}

function build(sandbox: Sandbox, options: SlackSimulatorOptions): SlackSimulator {
  const state = new SlackState(sandbox.world.seed);
  const auth = new SlackAuth(options);
  const limiter = new RateLimiter();
  const events = new EventDelivery(sandbox, state, options);

  const posted = (message: SlackMessage) => {
    if (!sandbox.settings.webhookUrls.slack) return;
    if (options.echoOwnMessages) void events.send(messageEvent(sandbox.world, state, message));
    // A post made with the installer's user token is a person's message: mentioning the bot notifies the app.
    const mention = appMentionEvent(sandbox.world, state, message);
    if (mention) void events.send(mention);
  };

  /** Slack keeps reactions itself; a repeated add or a remove of nothing changes nothing, so reports nothing. */
  const react = async (message: SlackMessage, change: WorldChange) => {
    const channel = sandbox.world.slackChannels[message.channelKey];
    if (!channel) return;
    const reaction: Reaction = { name: String(change.payload?.name), user: String(change.payload?.user) };
    const added = change.action === 'create';
    const changed = added
      ? state.addReaction(channel.id, message.ts, reaction.name, reaction.user)
      : state.removeReaction(channel.id, message.ts, reaction.name, reaction.user);
    if (!changed || !sandbox.settings.webhookUrls.slack) return;
    await events.send(reactionEvent(sandbox.world, message, added, reaction, nextTs(sandbox.world.slackMessages)));
  };

  return {
    vendor: 'slack',
    options,
    app: createSlackApp({ sandbox, state, auth, limiter, options, posted }),
    info() {
      return {
        apiUrl: `${sandbox.baseUrl('slack')}/api/`,
        authorizeUrl: `${sandbox.baseUrl('slack')}/oauth/v2/authorize`,
        clientId: SLACK_IDENTITY.clientId,
        clientSecret: SLACK_IDENTITY.clientSecret,
        signingSecret: SLACK_IDENTITY.signingSecret,
        verificationToken: SLACK_IDENTITY.verificationToken,
        botToken: SLACK_IDENTITY.botToken,
        botScopes: BOT_SCOPES,
        teamId: SLACK_IDENTITY.teamId,
        appId: SLACK_IDENTITY.appId,
        botUserId: SLACK_IDENTITY.botUserId,
        botId: SLACK_IDENTITY.botId,
        tokenRotation: options.tokenRotation,
        channels: sandbox.world.slackChannels.map((channel) => ({ id: channel.id, name: channel.name })),
      };
    },
    reset() {
      state.reset(sandbox.world.seed);
      auth.reset();
      limiter.reset();
      events.reset();
    },
    authFault(kind: AuthFault) {
      auth.fault(kind);
    },
    async onChange(change: WorldChange) {
      if (!concernsSlack(change)) return;
      const world = sandbox.world;
      const message = world.slackMessages[change.key];
      if (!message) return;
      if (change.entity === 'slackReaction') return react(message, change);
      if (change.action === 'create') ensureUniqueTs(world.slackMessages, message);
      if (!sandbox.settings.webhookUrls.slack) return;
      if (change.action === 'create') {
        await events.send(messageEvent(world, state, message));
        const mention = appMentionEvent(world, state, message);
        if (mention) await events.send(mention);
      } else {
        await events.send(messageChangedEvent(world, state, message, nextTs(world.slackMessages)));
      }
    },
    verifyEventsUrl() {
      const url = sandbox.settings.webhookUrls.slack;
      return url ? events.verifyUrl(url) : Promise.resolve(false);
    },
    drainEvents: () => events.drain(),
  };
}

/** A Slack simulator factory with non-default options (small rate limits, fast event retries, …). */
export function slackSimulator(overrides: SlackSimulatorOverrides = {}): VendorFactory {
  const options = resolveOptions(overrides);
  return (sandbox) => build(sandbox, options);
}

export const createSlackSimulator: VendorFactory = slackSimulator();
