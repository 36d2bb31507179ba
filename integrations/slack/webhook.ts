import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Slack's Events API deliveries [vendor-facts §4.5]: pure functions, no I/O, so the API can use them without the
 * client.
 */

export const SIGNATURE_HEADER = 'X-Slack-Signature';
export const TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp';

/** Slack's replay window: a request signed longer ago than this (or this far ahead) is refused. */
export const SIGNATURE_MAX_AGE_SECONDS = 5 * 60;

/** Whether `X-Slack-Request-Timestamp` (unix seconds) lies within the replay window around `now`. */
export function slackTimestampIsFresh(timestamp: string | undefined, now = Date.now()): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now / 1000 - Number(timestamp)) <= SIGNATURE_MAX_AGE_SECONDS;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the signing secret, compared in constant time. */
export function slackSignatureMatches(
  signingSecret: string,
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
): boolean {
  if (!signingSecret || !signature || !timestamp) return false;
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
  const presented = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  // The expected length is fixed by the algorithm, so leaving early on a length mismatch reveals nothing secret.
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

/**
 * An Events API request body: a URL check, an event callback, or something we do not handle yet. The inner event's
 * fields depend on its type (a `user` is an id in a message, an object in `user_change`), so they stay unknown
 * until a reader checks them.
 */
export interface SlackEnvelope {
  type: string;
  team_id?: string;
  challenge?: string;
  event_id?: string;
  event?: { type: string; [field: string]: unknown };
}

/** A message a person posted in a channel our app is in. */
export interface InboundSlackMessage {
  channel: string;
  ts: string;
  /** The thread's root ts when the message is a reply in a thread. */
  threadTs: string | null;
  user: string;
  text: string;
  /** ISO 8601, from the message's ts (unix seconds with microseconds). */
  postedAt: string;
}

/**
 * The person-written message an event callback carries, or null: edits, deletions, joins and file shares come as
 * subtypes, and our own bot's posts come back with a `bot_id`; neither is a new inbound message.
 */
export function inboundSlackMessageOf(envelope: SlackEnvelope): InboundSlackMessage | null {
  const event = envelope.event;
  if (envelope.type !== 'event_callback' || event?.type !== 'message') return null;
  if (event.subtype !== undefined || event.bot_id !== undefined) return null;
  const { channel, ts, user, text, thread_ts: threadTs } = event;
  if (typeof channel !== 'string' || typeof user !== 'string' || typeof text !== 'string') return null;
  if (typeof ts !== 'string' || !/^\d+(\.\d+)?$/.test(ts)) return null;
  return {
    channel,
    ts,
    threadTs: typeof threadTs === 'string' && threadTs !== ts ? threadTs : null,
    user,
    text,
    postedAt: new Date(Math.round(Number(ts) * 1000)).toISOString(),
  };
}

const SLACK_TS = /^\d+(\.\d+)?$/;

/** Someone addressed our app: `@bot <command>` in a channel it is in (the `app_mention` event). */
export interface SlackMention {
  channel: string;
  ts: string;
  /** The thread's root ts when the mention is a reply in a thread. */
  threadTs: string | null;
  user: string;
  /** As Slack sends it, the mention itself included (`<@U0APP> status`). */
  text: string;
}

/** The person-written `app_mention` an event callback carries, or null (a bot's post, a malformed event). */
export function slackMentionOf(envelope: SlackEnvelope): SlackMention | null {
  const event = envelope.event;
  if (envelope.type !== 'event_callback' || event?.type !== 'app_mention') return null;
  if (event.subtype !== undefined || event.bot_id !== undefined) return null;
  const { channel, ts, user, text, thread_ts: threadTs } = event;
  if (typeof channel !== 'string' || typeof user !== 'string' || typeof text !== 'string') return null;
  if (typeof ts !== 'string' || !SLACK_TS.test(ts)) return null;
  return { channel, ts, threadTs: typeof threadTs === 'string' && threadTs !== ts ? threadTs : null, user, text };
}

/** One reaction put on (or taken off) a message. */
export interface SlackReaction {
  action: 'added' | 'removed';
  /** The emoji's name without colons (`thumbsup`, `+1`, `wave::skin-tone-2`). */
  reaction: string;
  user: string;
  channel: string;
  /** The reacted-to message's ts. */
  ts: string;
  /** When the reaction changed: orders an add and a remove of the same reaction that arrive out of order. */
  eventTs: string;
}

/*
 * Emoji names never contain whitespace or `@` (Slack allows lowercase letters, digits, `-`, `_`, `+`, `'` and the
 * `::skin-tone-N` suffix); refusing `@` keeps the reactions column's bookkeeping key out of an emoji's reach.
 */
const EMOJI_NAME = /^[^\s@]+$/;

/**
 * The `reaction_added` / `reaction_removed` an event callback carries, or null: reactions on files and file
 * comments are not messages we store, and a malformed event is not one.
 */
export function slackReactionOf(envelope: SlackEnvelope): SlackReaction | null {
  const event = envelope.event;
  if (envelope.type !== 'event_callback') return null;
  if (event?.type !== 'reaction_added' && event?.type !== 'reaction_removed') return null;
  const { reaction, user, item, event_ts: eventTs } = event;
  if (typeof reaction !== 'string' || !EMOJI_NAME.test(reaction) || typeof user !== 'string') return null;
  if (typeof eventTs !== 'string' || !SLACK_TS.test(eventTs)) return null;
  if (typeof item !== 'object' || item === null) return null;
  const { type, channel, ts } = item as Record<string, unknown>;
  if (type !== 'message' || typeof channel !== 'string' || typeof ts !== 'string' || !SLACK_TS.test(ts)) return null;
  return {
    action: event.type === 'reaction_added' ? 'added' : 'removed',
    reaction,
    user,
    channel,
    ts,
    eventTs,
  };
}
