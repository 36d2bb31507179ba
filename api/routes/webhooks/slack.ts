import type { Context, Next } from 'koa';
import {
  inboundSlackMessageOf,
  slackMentionOf,
  slackReactionOf,
  SIGNATURE_HEADER,
  slackSignatureMatches,
  slackTimestampIsFresh,
  TIMESTAMP_HEADER,
  type SlackEnvelope,
} from '../../../integrations/slack/webhook.js';
import { startSlackMentionHandling, startSlackReactionTracking } from '../../../temporal/slack-event-starters.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validated, type JsonSchema } from '../../validation.js';
import { takeWebhookEvents } from './inbox.js';
import { recordInboundMessage } from './message-reports.js';
import { refuseWebhook, verifiedRequests, webhookKeys } from './verification.js';

const id = { type: 'string', minLength: 1, maxLength: 100 } as const;

/**
 * An Events API body [vendor-facts §4.5]. Only the envelope is pinned down: inner events differ by type and Slack
 * adds fields freely, so the message fields are checked where they are read (integrations/slack/webhook.ts).
 */
export const slackBody = {
  type: 'object',
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 100 },
    token: { type: 'string', maxLength: 200 },
    challenge: { type: 'string', minLength: 1, maxLength: 500 },
    team_id: id,
    api_app_id: id,
    event_id: id,
    event_time: { type: 'integer' },
    event: {
      type: 'object',
      properties: { type: { type: 'string', minLength: 1, maxLength: 100 } },
      required: ['type'],
      additionalProperties: {},
    },
  },
  required: ['type'],
  additionalProperties: {},
} as const satisfies JsonSchema;

function teamOf(body: unknown): string | undefined {
  const team = (body as { team_id?: unknown } | null)?.team_id;
  return typeof team === 'string' ? team : undefined;
}

/**
 * The architecture's Slack event handlers: onMessage (a person's channel message becomes an inbound message),
 * onMention (a command to our bot, answered in its thread) and onReaction (reactions kept on our stored messages).
 */
async function handOffSlackEvent(deps: AppDeps, connectionId: string, envelope: SlackEnvelope): Promise<string[]> {
  const { client } = deps.temporal;
  const { taskQueue } = deps.config.temporal;
  const message = inboundSlackMessageOf(envelope);
  if (message) {
    const workflowId = await recordInboundMessage(deps, {
      vendor: 'slack',
      channel: 'slack',
      connectionId,
      vendorMessageId: `${message.channel}:${message.ts}`,
      from: message.user,
      to: null,
      body: message.text,
      receivedAt: message.postedAt,
      slackChannel: message.channel,
      ...(message.threadTs ? { threadTs: message.threadTs } : {}),
    });
    return [workflowId];
  }
  const mention = slackMentionOf(envelope);
  if (mention) return [await startSlackMentionHandling(client, taskQueue, { connectionId, ...mention })];
  const reaction = slackReactionOf(envelope);
  if (reaction) return [await startSlackReactionTracking(client, taskQueue, { connectionId, ...reaction })];
  return [];
}

/** `POST /api/webhooks/slack`: the Events API (URL verification; messages, mentions of our bot and reactions). */
export function slackReceiver(deps: AppDeps) {
  const keysOf = webhookKeys(deps);
  const verified = verifiedRequests<{ connectionId: string }>();

  return {
    /**
     * Slack's v0 signature over the raw body with the signing secret of the workspace the body names (the URL
     * check names none: every Slack connection's secret is tried), within Slack's 5-minute replay window.
     */
    async verify(ctx: Context, next: Next): Promise<void> {
      const signature = ctx.get(SIGNATURE_HEADER);
      const timestamp = ctx.get(TIMESTAMP_HEADER);
      if (!signature || !timestamp) return refuseWebhook(deps, ctx, 'slack', 'missing_signature');
      if (!slackTimestampIsFresh(timestamp)) return refuseWebhook(deps, ctx, 'slack', 'stale_timestamp');
      const keys = (await keysOf('slack', teamOf(ctx.request.body))).filter(
        ({ secrets }) => secrets.webhook?.signingSecret,
      );
      if (keys.length === 0) return refuseWebhook(deps, ctx, 'slack', 'no_verification_key');
      const rawBody = ctx.request.rawBody ?? '';
      const key = keys.find(({ secrets }) =>
        slackSignatureMatches(secrets.webhook!.signingSecret!, rawBody, signature, timestamp),
      );
      if (!key) return refuseWebhook(deps, ctx, 'slack', 'signature_mismatch');
      verified.set(ctx, { connectionId: key.connectionId });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      const { connectionId } = verified.get(ctx);
      const envelope = validated<SlackEnvelope>(ctx, 'body');
      if (envelope.type === 'url_verification') {
        if (!envelope.challenge) throw new AppError('validation_failed', 400, 'url_verification without a challenge');
        ctx.body = { challenge: envelope.challenge };
        return;
      }
      // Only event callbacks carry an event id; other envelopes (app_rate_limited) are acknowledged and dropped.
      if (envelope.type === 'event_callback' && envelope.event_id) {
        await takeWebhookEvents(deps, ctx, { vendor: 'slack', source: 'slack' }, [
          {
            eventId: envelope.event_id,
            eventType: envelope.event?.type ?? null,
            payload: envelope,
            handOff: () => handOffSlackEvent(deps, connectionId, envelope),
          },
        ]);
      }
      ctx.status = 200;
      ctx.body = '';
    },
  };
}
