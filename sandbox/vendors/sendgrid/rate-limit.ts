import type { Middleware } from 'koa';
import { MESSAGES, SendgridError } from './errors.js';
import type { AuthState } from './auth.js';

interface Window {
  resetAt: number;
  used: number;
}

export interface RateLimitSettings {
  limit: number;
  windowMs: number;
}

/** SendGrid's fixed rate-limit window per user and endpoint, reported in X-RateLimit-* on every response. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  /** `settings(path)`: the window of the endpoint at `path` (SendGrid sets limits per endpoint). */
  constructor(private readonly settings: (path: string) => RateLimitSettings) {}

  /** Counts a request (unless it is refused) and returns the headers to send. */
  take(
    key: string,
    path: string,
    enforce: boolean,
    now = Date.now(),
  ): { allowed: boolean; headers: Record<string, string> } {
    const { limit, windowMs } = this.settings(path);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { resetAt: now + windowMs, used: 0 };
      this.windows.set(key, window);
    }
    const allowed = !enforce || window.used < limit;
    if (allowed) window.used += 1;
    return {
      allowed,
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - window.used)),
        'X-RateLimit-Reset': String(Math.ceil(window.resetAt / 1000)),
      },
    };
  }

  /** Headers for a refused request the fault book throttled. */
  exhausted(path: string, now = Date.now()): Record<string, string> {
    const { limit, windowMs } = this.settings(path);
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil((now + windowMs) / 1000)),
    };
  }

  clear(): void {
    this.windows.clear();
  }
}

/** After auth: sets the headers, and answers 429 once the window is spent (when the sandbox enforces limits). */
export function rateLimit(limiter: RateLimiter, enforce: () => boolean): Middleware<AuthState> {
  return async (ctx, next) => {
    const { allowed, headers } = limiter.take(`${ctx.state.credential} ${ctx.method} ${ctx.path}`, ctx.path, enforce());
    ctx.set(headers);
    if (!allowed) throw new SendgridError(429, [{ field: null, message: MESSAGES.tooManyRequests }], headers);
    await next();
  };
}
