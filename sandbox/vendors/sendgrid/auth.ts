import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { MESSAGES, SendgridError } from './errors.js';
import { FULL_ACCESS_SCOPES, type ResolvedOptions } from './options.js';

export interface AuthState {
  /** Which credential made the request (rate-limit bucket). */
  credential: string;
  scopes: readonly string[];
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function credentialOf(header: string, options: ResolvedOptions): AuthState | null {
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') {
    const scopes = options.apiKeys[value.trim()];
    return scopes ? { credential: value.trim(), scopes } : null;
  }
  if (scheme?.toLowerCase() === 'basic') {
    // setTwilioEmailAuth(): Basic base64(username:password) [SDK]
    const { username, password } = options.twilioEmailAuth;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return same(decoded, `${username}:${password}`)
      ? { credential: `basic:${username}`, scopes: FULL_ACCESS_SCOPES }
      : null;
  }
  return null;
}

/** Every /v3 request needs an API key (Bearer) or Twilio Email credentials (Basic); 401 otherwise. */
export function authenticate(options: () => ResolvedOptions): Middleware<AuthState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    if (!header) throw new SendgridError(401, [{ field: null, message: MESSAGES.authorizationRequired }]);
    const state = credentialOf(header, options());
    if (!state) throw new SendgridError(401, [{ field: null, message: MESSAGES.badKey }]);
    Object.assign(ctx.state, state);
    await next();
  };
}

/** A key without the endpoint's scope gets 403 `access forbidden`. */
export function requireScope(scope: string): Middleware<AuthState> {
  return async (ctx, next) => {
    if (!ctx.state.scopes.includes(scope)) throw new SendgridError(403, [{ field: null, message: MESSAGES.forbidden }]);
    await next();
  };
}
