import type { Middleware } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import { TwilioError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/**
 * Twilio limits REST concurrency per account and answers 429 with code 20429 (no Retry-After documented)
 * [vendor-facts §5.3]. The sandbox also caps requests per second, since one process can hardly hold 100 requests
 * open at once. Both numbers are UNVERIFIED and configurable.
 */
export class RateLimiter {
  private inFlight = 0;
  private window: number[] = [];

  constructor(
    private readonly sandbox: Sandbox,
    private readonly limits: ResolvedOptions['rateLimit'],
  ) {}

  reset(): void {
    this.window = [];
  }

  middleware(): Middleware {
    return async (_ctx, next) => {
      if (!this.sandbox.settings.rateLimits) return next();
      const now = Date.now();
      this.window = this.window.filter((at) => at > now - 1000);
      if (this.inFlight >= this.limits.concurrency || this.window.length >= this.limits.requestsPerSecond) {
        throw new TwilioError(429, 20429, 'Too Many Requests');
      }
      this.window.push(now);
      this.inFlight += 1;
      try {
        await next();
      } finally {
        this.inFlight -= 1;
      }
    };
  }
}
