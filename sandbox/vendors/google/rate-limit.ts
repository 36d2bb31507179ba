import type { Middleware } from 'koa';
import type { SandboxSettings } from '../../core/sandbox.js';
import { rateLimitError } from './errors.js';
import type { Grant } from './grants.js';
import type { GoogleApi, ResolvedOptions } from './options.js';

/** Which API a path belongs to, and what the call costs in that API's quota units. */
export function quotaCost(method: string, path: string): { api: GoogleApi; units: number } | null {
  const api = /^\/(?:upload\/)?(calendar|gmail|drive)\//.exec(path)?.[1] as GoogleApi | undefined;
  if (!api) return null;
  if (api !== 'gmail') return { api, units: 1 };
  // Gmail per-method quota units [DOC: Gmail usage limits].
  if (path.endsWith('/messages/send')) return { api, units: 100 };
  if (path.endsWith('/history')) return { api, units: 2 };
  if (path.endsWith('/profile')) return { api, units: 1 };
  if (/\/messages(\/[^/]+)?(\/modify)?$/.test(path)) return { api, units: 5 };
  return { api, units: method === 'GET' ? 1 : 5 };
}

/**
 * Per-user quotas in fixed windows. Over budget → 403 `usageLimits/userRateLimitExceeded` (or the 429 variant);
 * Google sends no Retry-After, clients back off exponentially.
 */
export class UserRateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly settings: SandboxSettings,
  ) {}

  clear(): void {
    this.windows.clear();
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const cost = quotaCost(ctx.method, ctx.path);
      if (cost && this.settings.rateLimits) {
        const budget = this.options.rateLimits[cost.api];
        // One user per sandbox; the quota is per user per project (OAuth client).
        const key = `${cost.api}:${(ctx.state.grant as Grant | undefined)?.clientId ?? ''}`;
        const now = Date.now();
        let window = this.windows.get(key);
        if (!window || now - window.start >= budget.windowMs) {
          window = { start: now, used: 0 };
          this.windows.set(key, window);
        }
        if (window.used + cost.units > budget.limit) throw rateLimitError(this.options.rateLimitStatus);
        window.used += cost.units;
      }
      await next();
    };
  }
}
