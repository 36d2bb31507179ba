import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { TwilioError } from './errors.js';
import type { ResolvedOptions } from './options.js';

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic with `AccountSid:AuthToken`, or `SK…:secret` of an API key of the account [vendor-facts §5.1].
 * Credentials that do not belong to the account in the path are as bad as wrong ones: 401, code 20003.
 */
export function basicAuth(options: ResolvedOptions): Middleware {
  return async (ctx, next) => {
    const credentials = basicCredentials(ctx.get('authorization'));
    const ok =
      credentials !== null &&
      ((same(credentials.user, options.accountSid) && same(credentials.password, options.authToken)) ||
        (same(credentials.user, options.apiKeySid) && same(credentials.password, options.apiKeySecret)));
    const account = /^\/2010-04-01\/Accounts\/([^/]+?)(?:\.json)?(?:\/|$)/.exec(ctx.path)?.[1];
    if (!ok || (account !== undefined && account !== options.accountSid)) {
      throw new TwilioError(401, 20003, 'Authenticate');
    }
    await next();
  };
}
