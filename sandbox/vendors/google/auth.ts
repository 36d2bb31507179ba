import type { Context, Middleware } from 'koa';
import { GoogleError } from './errors.js';
import type { Grant, GoogleGrants } from './grants.js';
import { stringParam } from './paging.js';

const MISSING_CREDENTIALS =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other ' +
  'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * Bearer-token check for the APIs (`Authorization: Bearer …`, or the legacy `access_token` query parameter).
 * An unknown, expired or revoked token is 401 `authError` "Invalid Credentials" [DOC: Calendar errors].
 */
export function requireAccessToken(grants: GoogleGrants): Middleware {
  return async (ctx, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1] ?? stringParam(ctx.query.access_token);
    if (!bearer) {
      throw new GoogleError(401, 'required', MISSING_CREDENTIALS, {
        itemMessage: 'Login Required.',
        locationType: 'header',
        location: 'Authorization',
      });
    }
    const grant = grants.authenticate(bearer);
    if (grant === 'invalid') {
      throw new GoogleError(401, 'authError', 'Invalid Credentials', {
        locationType: 'header',
        location: 'Authorization',
      });
    }
    ctx.state.grant = grant;
    await next();
  };
}

/** 403 insufficientPermissions unless the token was granted one of `scopes`. */
export function requireScope(ctx: Context, scopes: readonly string[]): void {
  const grant = ctx.state.grant as Grant;
  if (grant.scopes.some((scope) => scopes.includes(scope))) return;
  throw new GoogleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
    itemMessage: 'Insufficient Permission',
  });
}
