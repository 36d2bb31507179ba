import type { Middleware } from 'koa';
import type { TokenStore } from '../../core/tokens.js';
import { authenticationRequired } from './errors.js';

/**
 * `Authorization: Bearer <token>` with the sandbox's personal access token or an OAuth access token the token
 * endpoint issued. Anything else (missing, unknown, expired) is Airtable's 401 AUTHENTICATION_REQUIRED.
 */
export function authMiddleware(personalAccessTokens: readonly string[], tokens: TokenStore): Middleware {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    const token = match?.[1];
    if (!token) throw authenticationRequired();
    if (!personalAccessTokens.includes(token) && tokens.check(token).state !== 'valid') {
      throw authenticationRequired();
    }
    await next();
  };
}
