import type { TierLimits } from './options.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Slack's per-method limits ("Tier 2: 20+ per minute", bursts tolerated) as token buckets: `burst` calls at once,
 * refilled at `perMinute`. A call that finds the bucket empty is told how many whole seconds to wait.
 */
export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  /** 0 when the call may proceed, else the Retry-After in seconds. */
  take(key: string, limits: TierLimits, now = Date.now()): number {
    const refillPerMs = limits.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: limits.burst, updatedAt: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
  }

  reset(): void {
    this.buckets.clear();
  }
}
