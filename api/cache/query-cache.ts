import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DASHBOARD_GENERATION_KEY } from '../../db/dashboard-generation.js';
import { generationTracker } from './generation-tracker.js';

/** A cached answer: the JSON text as sent (a hit costs no parse or stringify) and the generation it was made at. */
interface CachedEntry {
  generation: string;
  json: string;
}

export interface QueryCacheOptions {
  /** How long an answer may live even when nothing changes (a safety net, not the invalidation). */
  ttlSeconds: number;
}

/** What `read` returns: the answer's JSON text, and whether it came from the cache. */
export interface CachedAnswer {
  json: string;
  hit: boolean;
}

export interface QueryCache {
  /**
   * The cached JSON of `compute()` for this scope and key while the dashboard generation is unchanged; otherwise
   * computes it once (across every API instance: the others wait for it rather than stampede the database).
   */
  read(scope: string, key: unknown, compute: () => Promise<unknown>, options: QueryCacheOptions): Promise<CachedAnswer>;
}

const PREFIX = 'business-dashboard:cache:';
/** How long one instance may hold the right to compute an answer before others stop waiting for it. */
const FILL_LOCK_MS = 10_000;
const WAIT_STEP_MS = 25;
/** How long a caller waits for another instance's fill before computing the answer itself. */
const MAX_WAIT_MS = 3_000;
/** Answers kept in this process's memory (small: one per scope, role and report parameters in use). */
const MEMORY_ENTRIES = 500;

const keyDigests = new Map<string, string>();

/** The Redis key of an answer; digests are remembered (a hit should not hash), bounded like the answers. */
function cacheKey(scope: string, key: unknown): string {
  const text = `${scope}\n${JSON.stringify(key ?? null)}`;
  let entryKey = keyDigests.get(text);
  if (!entryKey) {
    const digest = createHash('sha256').update(text).digest('base64url').slice(0, 22);
    entryKey = `${PREFIX}${scope}:${digest}`;
    if (keyDigests.size >= MEMORY_ENTRIES) keyDigests.delete(keyDigests.keys().next().value!);
    keyDigests.set(text, entryKey);
  }
  return entryKey;
}

function parseEntry(text: string | null): CachedEntry | null {
  if (!text) return null;
  const separator = text.indexOf('|');
  return separator < 0 ? null : { generation: text.slice(0, separator), json: text.slice(separator + 1) };
}

/**
 * Read-through cache in Redis for dashboard and report answers, safe against stampedes:
 * - a hit is served from this process's memory while the generation tracker vouches for the generation it was made
 *   at (no round trip at all), else it is one MGET of the generation and the entry;
 * - concurrent misses in this process share one computation (single flight);
 * - across instances, the first miss takes a short Redis lock (SET NX PX) and fills the entry, and the others poll
 *   for it, computing it themselves only if the filler does not deliver within MAX_WAIT_MS;
 * - an answer computed while a write landed is stored under the generation it started at, so it is never served
 *   as current afterwards.
 * When Redis is unavailable the answer is computed and served uncached: a cache must not take the dashboard down.
 */
export function createQueryCache(redis: Redis, logger: Logger): QueryCache {
  const inFlight = new Map<string, Promise<CachedAnswer>>();
  const tracker = generationTracker(redis, logger);
  const memory = new Map<string, CachedEntry>();
  const remember = (key: string, entry: CachedEntry) => {
    memory.delete(key);
    memory.set(key, entry);
    if (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value!);
  };

  async function fill(
    key: string,
    generation: string,
    compute: () => Promise<unknown>,
    options: QueryCacheOptions,
  ): Promise<CachedAnswer> {
    const lockKey = `${key}:fill`;
    const locked = await redis.set(lockKey, generation, 'PX', FILL_LOCK_MS, 'NX');
    if (locked !== 'OK') {
      for (let waited = 0; waited < MAX_WAIT_MS; waited += WAIT_STEP_MS) {
        await sleep(WAIT_STEP_MS);
        const entry = parseEntry(await redis.get(key));
        if (entry && entry.generation === generation) return { json: entry.json, hit: true };
      }
    }
    try {
      const json = JSON.stringify(await compute());
      await redis.set(key, `${generation}|${json}`, 'EX', options.ttlSeconds);
      return { json, hit: false };
    } finally {
      if (locked === 'OK') await redis.del(lockKey);
    }
  }

  return {
    async read(scope, key, compute, options) {
      const entryKey = cacheKey(scope, key);
      const tracked = tracker.current();
      const kept = tracked === null ? undefined : memory.get(entryKey);
      if (kept && kept.generation === tracked) return { json: kept.json, hit: true };
      let generation: string;
      try {
        const readAt = tracker.epoch();
        const [current, stored] = await redis.mget(DASHBOARD_GENERATION_KEY, entryKey);
        generation = current ?? '0';
        tracker.learn(generation, readAt);
        const entry = parseEntry(stored ?? null);
        if (entry && entry.generation === generation) {
          remember(entryKey, entry);
          return { json: entry.json, hit: true };
        }
      } catch (error) {
        logger.warn({ err: error, scope }, 'query cache unavailable; answering uncached');
        return { json: JSON.stringify(await compute()), hit: false };
      }
      const flightKey = `${entryKey}@${generation}`;
      const running = inFlight.get(flightKey);
      if (running) return running;
      const filling = fill(entryKey, generation, compute, options)
        .then((answer) => {
          remember(entryKey, { generation, json: answer.json });
          return answer;
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, filling);
      return filling;
    },
  };
}
