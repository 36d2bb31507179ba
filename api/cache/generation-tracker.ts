import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENTS_CHANNEL, onLocalInvalidation } from '../../db/dashboard-generation.js';

/**
 * The dashboard generation as this process may trust it without asking Redis, learned from Redis reads and
 * forgotten at every invalidation.
 */
export interface GenerationTracker {
  /** The generation known to be current, or null: then the caller reads Redis (and teaches it with `learn`). */
  current(): string | null;
  /** A token to take before a Redis read, so that `learn` can tell whether an invalidation came in meanwhile. */
  epoch(): number;
  /** The generation a Redis read sent at `epoch` saw; kept only if nothing was invalidated since. */
  learn(generation: string, epoch: number): void;
}

const trackers = new WeakMap<Redis, GenerationTracker>();

/**
 * Lets a cached answer be served from memory without a Redis round trip. Every invalidation (this process's own at
 * once, other processes' over the events channel) makes the tracker forget, and the next read asks Redis again; a
 * read that crossed an invalidation is not learned from. While the subscription is not live (connecting,
 * reconnecting, closed) nothing is known, so a missed message can never leave a stale answer in place. One
 * subscriber per Redis client, closed when that client ends.
 */
export function generationTracker(redis: Redis, logger: Logger): GenerationTracker {
  const existing = trackers.get(redis);
  if (existing) return existing;

  let live = false;
  let known: string | null = null;
  let epoch = 0;
  const forget = () => {
    known = null;
    epoch += 1;
  };
  const subscriber = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  const stopLocal = onLocalInvalidation(forget);
  const down = () => {
    live = false;
    forget();
  };
  subscriber.on('error', (error: Error) => logger.debug({ err: error }, 'dashboard generation subscriber error'));
  subscriber.on('close', down);
  subscriber.on('reconnecting', down);
  subscriber.on('message', (_channel: string, message: string) => {
    if (message.includes('"dashboard.invalidated"')) forget();
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(EVENTS_CHANNEL).then(
      () => {
        forget();
        live = true;
      },
      (error: unknown) => logger.warn({ err: error }, 'dashboard generation tracking unavailable'),
    );
  });
  redis.once('end', () => {
    stopLocal();
    down();
    subscriber.disconnect();
  });

  const tracker: GenerationTracker = {
    current: () => (live ? known : null),
    epoch: () => epoch,
    learn(generation, readAt) {
      if (live && readAt === epoch) known = generation;
    },
  };
  trackers.set(redis, tracker);
  return tracker;
}
