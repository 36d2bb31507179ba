import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { faultBody } from './errors.js';
import { qboTime } from './format.js';
import type { QboGrants } from './grants.js';
import type { QuickbooksOptions } from './options.js';

/** Paths as on Intuit's hosts (appcenter, oauth.platform, developer.api), all served by the simulator. */
export const OAUTH_PATHS = {
  authorize: '/connect/oauth2',
  token: '/oauth2/v1/tokens/bearer',
  revoke: '/v2/oauth2/tokens/revoke',
} as const;

function oauthError(ctx: Context, status: number, error: string): void {
  ctx.status = status;
  ctx.body = { error };
}

function clientAuthenticated(ctx: Context, options: QuickbooksOptions): boolean {
  const header = ctx.get('authorization');
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded === `${options.clientId}:${options.clientSecret}`;
}

function field(ctx: Context, name: string): string | undefined {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** OAuth 2.0 as Intuit runs it: consent (auto-approved), code and refresh grants with Basic client auth, revoke. */
export function oauthRouter(grants: () => QboGrants, options: QuickbooksOptions): Router {
  const router = new Router();
  const parse = bodyParser({ enableTypes: ['form', 'json'] });

  router.get(OAUTH_PATHS.authorize, (ctx) => {
    const { client_id: clientId, redirect_uri: redirectUri, state, response_type: type } = ctx.query;
    if (clientId !== options.clientId || typeof redirectUri !== 'string' || type !== 'code') {
      ctx.status = 400;
      ctx.body = 'Invalid client_id, redirect_uri or response_type';
      return;
    }
    const target = new URL(redirectUri);
    target.searchParams.set('code', grants().authorizationCode(redirectUri));
    if (typeof state === 'string') target.searchParams.set('state', state);
    target.searchParams.set('realmId', options.realmId);
    ctx.redirect(target.toString());
  });

  router.post(OAUTH_PATHS.token, parse, (ctx) => {
    if (!clientAuthenticated(ctx, options)) return oauthError(ctx, 401, 'invalid_client');
    const grantType = field(ctx, 'grant_type');
    let issued;
    if (grantType === 'authorization_code') {
      const code = field(ctx, 'code');
      if (!code) return oauthError(ctx, 400, 'invalid_request');
      if (!grants().redeemCode(code, field(ctx, 'redirect_uri'))) return oauthError(ctx, 400, 'invalid_grant');
      issued = grants().issue();
    } else if (grantType === 'refresh_token') {
      const token = field(ctx, 'refresh_token');
      if (!token) return oauthError(ctx, 400, 'invalid_request');
      issued = grants().refresh(token);
      if (!issued) return oauthError(ctx, 400, 'invalid_grant');
    } else {
      return oauthError(ctx, 400, 'unsupported_grant_type');
    }
    // node-quickbooks overwrites its refresh token with this field, so it is always present.
    ctx.body = {
      token_type: 'bearer',
      access_token: issued.accessToken,
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      x_refresh_token_expires_in: options.refreshTokenTtlSeconds,
    };
  });

  router.post(OAUTH_PATHS.revoke, parse, (ctx) => {
    if (!clientAuthenticated(ctx, options)) return oauthError(ctx, 401, 'invalid_client');
    const token = field(ctx, 'token');
    if (!token) return oauthError(ctx, 400, 'invalid_request');
    grants().revoke(token);
    ctx.status = 200;
    ctx.body = '';
  });

  return router;
}

/** The 401 of an expired, revoked or unknown access token (error 3200); casing per `authFaultCasing`. */
function authFailureBody(detail: string, casing: QuickbooksOptions['authFaultCasing']): Record<string, unknown> {
  const message = 'message=AuthenticationFailed; errorCode=003200; statusCode=401';
  if (casing === 'capital') return faultBody('3200', message, detail, 'AuthenticationFault');
  return {
    warnings: null,
    intuitObject: null,
    fault: { error: [{ message, detail, code: '3200', element: null }], type: 'AUTHENTICATION' },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: Date.now(),
    status: null,
    cdcresponse: [],
  };
}

/** Bearer-token check of the accounting API; stores the token's realm in `ctx.state.tokenRealmId`. */
export function requireAccessToken(grants: () => QboGrants, options: QuickbooksOptions): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const result = token ? grants().check(token) : { state: 'unknown' as const };
    if (result.state !== 'valid') {
      const detail =
        result.state === 'expired'
          ? `Token expired: ${token.slice(0, 12)}… at ${qboTime()}`
          : 'Token revoked or invalid: the access token is not recognised';
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="Intuit", error="invalid_token"');
      ctx.body = authFailureBody(detail, options.authFaultCasing);
      return;
    }
    ctx.state.tokenRealmId = result.realmId;
    await next();
  };
}
