import type { Context, Next } from 'koa';
import { faults, sendFault } from './errors.js';

export interface RateLimits {
  requestsPerWindow: number;
  windowMs: number;
  concurrent: number;
}

/**
 * Intuit's per-realm throttles: N requests per minute (sliding window) and M requests in flight at once. Over
 * either → 429 with Fault 3001 ThrottleExceeded; a throttled request does not count.
 */
export class RealmRateLimiter {
  private readonly recent = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: RateLimits,
    private readonly enabled: () => boolean,
  ) {}

  async handle(realmId: string, ctx: Context, next: Next): Promise<void> {
    if (!this.enabled()) return next();
    const now = Date.now();
    const times = (this.recent.get(realmId) ?? []).filter((at) => at > now - this.limits.windowMs);
    this.recent.set(realmId, times);
    const running = this.inFlight.get(realmId) ?? 0;
    if (times.length >= this.limits.requestsPerWindow || running >= this.limits.concurrent) {
      return sendFault(ctx, faults.throttled());
    }
    times.push(now);
    this.inFlight.set(realmId, running + 1);
    try {
      await next();
    } finally {
      this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
    }
  }

  clear(): void {
    this.recent.clear();
    this.inFlight.clear();
  }
}
