import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DASHBOARD_GENERATION_KEY, EVENTS_CHANNEL, onLocalInvalidation } from '../../db/dashboard-generation.js';

/** The dashboard generation as this process knows it without asking Redis; null while it cannot be sure. */
export interface GenerationTracker {
  current(): string | null;
}

const trackers = new WeakMap<Redis, GenerationTracker>();

/**
 * Follows the dashboard generation so a cached answer can be served from memory without a Redis round trip:
 * this process's own invalidations arrive at once (onLocalInvalidation), other processes' (the worker's syncs,
 * other API instances) over the events channel, within pub/sub latency. Whenever the subscription is not known to
 * be live (connecting, reconnecting, closed), `current()` is null and callers must read Redis instead: a missed
 * message can never leave a stale answer in place. One subscriber per Redis client, closed when that client ends.
 */
export function generationTracker(redis: Redis, logger: Logger): GenerationTracker {
  const existing = trackers.get(redis);
  if (existing) return existing;

  let known: number | null = null;
  const advance = (generation: number) => {
    if (known !== null && generation > known) known = generation;
  };
  const subscriber = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  const forget = () => {
    known = null;
  };
  subscriber.on('error', (error: Error) => logger.debug({ err: error }, 'dashboard generation subscriber error'));
  subscriber.on('close', forget);
  subscriber.on('reconnecting', forget);
  subscriber.on('message', (_channel: string, message: string) => {
    if (!message.includes('"dashboard.invalidated"')) return;
    const generation = (JSON.parse(message) as { payload?: { generation?: unknown } }).payload?.generation;
    if (typeof generation === 'number') advance(generation);
  });
  subscriber.on('ready', () => {
    // Subscribed first, then read: an invalidation between the two is caught by one or the other (max wins).
    subscriber
      .subscribe(EVENTS_CHANNEL)
      .then(() => redis.get(DASHBOARD_GENERATION_KEY))
      .then((stored) => {
        const generation = Number(stored ?? 0);
        known = known === null ? generation : Math.max(known, generation);
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'dashboard generation tracking unavailable'));
  });
  const stopLocal = onLocalInvalidation(advance);
  redis.once('end', () => {
    stopLocal();
    forget();
    subscriber.disconnect();
  });

  const tracker: GenerationTracker = { current: () => (known === null ? null : String(known)) };
  trackers.set(redis, tracker);
  return tracker;
}
