import type { Middleware } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import { renderThrottled } from './errors.js';
import type { AirtableState } from './state.js';

/**
 * Airtable's limiter: at most `perSecond` requests in any one-second window; going over answers 429 and starts a
 * penalty during which every request is refused (the docs: "wait 30 seconds before subsequent requests will
 * succeed").
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly penalties = new Map<string, number>();

  constructor(
    private readonly perSecond: number,
    private readonly penaltyMs: number,
  ) {}

  /** Counts one request; false when it must be refused. */
  take(subject: string, now = Date.now()): boolean {
    if ((this.penalties.get(subject) ?? 0) > now) return false;
    const recent = (this.hits.get(subject) ?? []).filter((at) => at > now - 1000);
    if (recent.length >= this.perSecond) {
      this.penalties.set(subject, now + this.penaltyMs);
      this.hits.set(subject, []);
      return false;
    }
    recent.push(now);
    this.hits.set(subject, recent);
    return true;
  }
}

/** The base a request addresses: `/v0/{baseId}/…` or `/v0/bases/{baseId}/…`. */
function baseOf(path: string): string | null {
  const [, version, first, second] = path.split('/');
  if (version !== 'v0' || !first) return null;
  if (first === 'meta') return null;
  if (first === 'bases') return second ?? null;
  return first;
}

/** Enforces the per-base and per-token limits when the sandbox has rate limits on. Runs after authentication. */
export function rateLimitMiddleware(sandbox: Sandbox, state: () => AirtableState): Middleware {
  return async (ctx, next) => {
    if (!sandbox.settings.rateLimits) return next();
    const token = ctx.get('authorization');
    const base = baseOf(ctx.path);
    const { baseLimiter, tokenLimiter } = state();
    const allowed = (base === null || baseLimiter.take(base)) && tokenLimiter.take(token);
    if (!allowed) return renderThrottled(ctx);
    return next();
  };
}
