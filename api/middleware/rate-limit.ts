import { createHash } from 'node:crypto';
import RateLimiter from 'async-ratelimiter';
import type { Context, Middleware } from 'koa';
import { VENDORS } from '../../db/entities/enums.js';
import { recordSecurityEvent } from '../../db/repositories/security-events.js';
import { CUSTOM_SOURCE_PATTERN } from '../auth/api-key-scopes.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  /** Requests allowed per key within the window. */
  max: number;
  /** Length of the sliding window in milliseconds. */
  durationMs: number;
  /** Redis key prefix of this limit; tests give each server its own. */
  namespace: string;
}

export type LimitName = 'global' | 'auth' | 'webhooks';
export type RateLimitSettings = Readonly<Record<LimitName, RateLimitOptions>>;
export type RateLimitOverrides = { readonly [name in LimitName]?: Partial<RateLimitOptions> };

/** Architecture §4. */
export const RATE_LIMITS: RateLimitSettings = Object.freeze({
  global: { max: 1000, durationMs: 60 * 60 * 1000, namespace: 'ratelimit' },
  auth: { max: 5, durationMs: 60 * 1000, namespace: 'ratelimit:auth' },
  webhooks: { max: 100, durationMs: 60 * 1000, namespace: 'ratelimit:webhooks' },
});

export function rateLimitSettings(overrides: RateLimitOverrides = {}): RateLimitSettings {
  return {
    global: { ...RATE_LIMITS.global, ...overrides.global },
    auth: { ...RATE_LIMITS.auth, ...overrides.auth },
    webhooks: { ...RATE_LIMITS.webhooks, ...overrides.webhooks },
  };
}

/**
 * Probes must keep answering under load, or an orchestrator would restart a healthy process; a scraper refused now
 * and then would leave gaps exactly when the graphs matter (its database read is cached: api/metrics/sync-gauges.ts).
 */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** Login and refresh have a budget each, so a burst of page loads refreshing tokens does not eat the logins. */
const AUTH_ENDPOINTS = new Map([
  ['/api/auth/login', 'login'],
  ['/api/auth/refresh', 'refresh'],
]);
const WEBHOOKS_PREFIX = '/api/webhooks/';
const CUSTOM_SOURCE = new RegExp(CUSTOM_SOURCE_PATTERN);

type KeyKind = 'user' | 'api_key' | 'ip' | 'email' | 'source';

/** One counter a request goes into; `id` is unique within its limit's namespace. */
interface Bucket {
  limit: LimitName;
  kind: KeyKind;
  id: string;
  userId?: string | null;
  email?: string;
}

interface Count {
  bucket: Bucket;
  options: RateLimitOptions;
  allowed: boolean;
  /** Requests left after this one. */
  remaining: number;
  /** Seconds until the oldest counted request leaves the window, i.e. until one more is allowed. */
  resetSeconds: number;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const windowSeconds = (options: RateLimitOptions): number => Math.max(1, Math.ceil(options.durationMs / 1000));

/** The router matches case-insensitively and ignores a trailing slash; the limiter must see the same route. */
function routePath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

function loginEmail(ctx: Context): string | undefined {
  const body = (ctx.request as { body?: unknown }).body;
  if (!body || typeof body !== 'object') return undefined;
  const email = (body as { email?: unknown }).email;
  return typeof email === 'string' ? email.trim().toLowerCase() || undefined : undefined;
}

function globalBucket(ctx: Context): Bucket {
  const principal = ctx.state.principal;
  if (principal?.apiKeyId) {
    return { limit: 'global', kind: 'api_key', id: `api_key:${principal.apiKeyId}`, userId: principal.userId };
  }
  const userId = principal?.userId ?? ctx.state.user?.sub;
  if (userId) return { limit: 'global', kind: 'user', id: `user:${userId}`, userId };
  return { limit: 'global', kind: 'ip', id: `ip:${ctx.ip}` };
}

/**
 * The counters a request goes into, in the order they are checked. Webhooks have only their own limit: a vendor
 * sends every tenant's events from a few addresses, and the global hourly budget is below the webhook one.
 */
function bucketsFor(ctx: Context): Bucket[] {
  const path = routePath(ctx.path);
  if (EXEMPT_PATHS.has(path)) return [];
  if (path.startsWith(WEBHOOKS_PREFIX)) {
    return [{ limit: 'webhooks', kind: 'source', id: `${webhookSource(path)}:ip:${ctx.ip}` }];
  }
  const buckets = [globalBucket(ctx)];
  const endpoint = AUTH_ENDPOINTS.get(path);
  if (endpoint) {
    buckets.push({ limit: 'auth', kind: 'ip', id: `${endpoint}:ip:${ctx.ip}` });
    const email = endpoint === 'login' && ctx.method === 'POST' ? loginEmail(ctx) : undefined;
    // Hashed: Redis keys show up in monitoring and dumps, addresses should not.
    if (email) buckets.push({ limit: 'auth', kind: 'email', id: `${endpoint}:email:${sha256(email)}`, email });
  }
  return buckets;
}

/**
 * Which source a webhook path belongs to: a vendor, or `custom:<name>` (each custom source has its own budget, as
 * each has its own senders). Unknown vendor names share one budget, so inventing them buys no more requests.
 */
function webhookSource(path: string): string {
  const [segment = '', name = ''] = path.slice(WEBHOOKS_PREFIX.length).split('/');
  if ((VENDORS as readonly string[]).includes(segment)) return segment;
  if (segment === 'custom' && CUSTOM_SOURCE.test(name)) return `custom:${name}`;
  return 'unknown';
}

/** Lowest remaining wins; between equals, the one that stays exhausted longest. */
function mostRestrictive(counts: readonly Count[]): Count | undefined {
  let shown: Count | undefined;
  for (const count of counts) {
    if (
      !shown ||
      count.remaining < shown.remaining ||
      (count.remaining === shown.remaining && count.resetSeconds > shown.resetSeconds)
    ) {
      shown = count;
    }
  }
  return shown;
}

/** draft-ietf-httpapi-ratelimit-headers (-07): Reset is delta seconds, Policy is `quota;w=window`. */
function rateLimitHeaders(count: Count): Record<string, string> {
  return {
    'RateLimit-Limit': String(count.options.max),
    'RateLimit-Remaining': String(count.remaining),
    'RateLimit-Reset': String(count.resetSeconds),
    'RateLimit-Policy': `${count.options.max};w=${windowSeconds(count.options)}`,
  };
}

/**
 * Counts every request (probes aside) against Redis, so the limits hold across API instances:
 *
 * - global: 1000 an hour per user (per API key; per IP when anonymous);
 * - auth: 5 a minute per IP on login and on refresh, and on login also 5 a minute per email of the body;
 * - webhooks: 100 a minute per source (the vendor, or the custom source, and the IP), instead of the global limit.
 *
 * The sliding window is async-ratelimiter's Lua script (the engine of koa-ratelimit), one sorted set per key.
 * Counters are checked in order and the first exhausted one stops the request, so a request refused per IP does
 * not use up the email's budget. The RateLimit-* headers describe the most restrictive counter the request
 * went through. A refusal is a 429 `rate_limited` with Retry-After, and a `rate_limited` security event once
 * per key and window.
 *
 * When Redis fails the request goes through (logged): a limiter outage should not take the whole API down with
 * it; /readyz already reports Redis as down. `onRefused` hears of every refusal (the rejections counter).
 */
export function rateLimit(
  deps: Pick<AppDeps, 'redis' | 'orm' | 'logger'>,
  settings: RateLimitSettings,
  onRefused: (limit: LimitName) => void = () => undefined,
): Middleware {
  const limiters = new Map(
    Object.entries(settings).map(([name, options]) => [
      name as LimitName,
      new RateLimiter({ db: deps.redis, max: options.max, duration: options.durationMs, namespace: options.namespace }),
    ]),
  );

  const countIn = async (bucket: Bucket): Promise<Count> => {
    const options = settings[bucket.limit];
    const status = await limiters.get(bucket.limit)!.get({ id: bucket.id });
    // The script floors the reset instant to a whole second; one more second means a client is never early.
    const seconds = Math.ceil(status.reset + 1 - Date.now() / 1000);
    const resetSeconds = Math.min(Math.max(seconds, 1), windowSeconds(options));
    // `remaining` is what was left before this request; 0 means it was refused and not counted.
    const allowed = status.remaining > 0;
    return { bucket, options, allowed, remaining: allowed ? status.remaining - 1 : 0, resetSeconds };
  };

  const report = async (ctx: Context, { bucket, options }: Count): Promise<void> => {
    try {
      const key = `${options.namespace}:reported:${bucket.id}`;
      const first = await deps.redis.set(key, '1', 'EX', windowSeconds(options), 'NX');
      if (first !== 'OK') return;
      await recordSecurityEvent(deps.orm.em.fork(), {
        type: 'rate_limited',
        userId: bucket.userId ?? null,
        email: bucket.email ?? null,
        ip: ctx.ip,
        userAgent: ctx.get('User-Agent') || null,
        details: { limit: bucket.limit, keyKind: bucket.kind, path: ctx.path },
      });
    } catch (error) {
      deps.logger.warn({ err: error, requestId: ctx.state.requestId }, 'could not record a rate_limited event');
    }
  };

  return async (ctx, next) => {
    const counts: Count[] = [];
    let failure: unknown;
    for (const bucket of bucketsFor(ctx)) {
      try {
        const count = await countIn(bucket);
        counts.push(count);
        if (!count.allowed) break;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) {
      deps.logger.warn(
        { err: failure, requestId: ctx.state.requestId },
        'rate limiter unavailable; request let through',
      );
    }

    const shown = mostRestrictive(counts);
    if (shown) ctx.set(rateLimitHeaders(shown));
    const refused = counts.find((count) => !count.allowed);
    if (refused && shown) {
      onRefused(refused.bucket.limit);
      await report(ctx, refused);
      const error = new AppError('rate_limited', 429, `Too many requests; retry in ${shown.resetSeconds} s`);
      error.headers = { ...rateLimitHeaders(shown), 'Retry-After': String(shown.resetSeconds) };
      throw error;
    }
    await next();
  };
}
