import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { GoogleGrants } from './grants.js';
import type { ResolvedOptions } from './options.js';
import { stringParam } from './paging.js';

/** Token-endpoint errors are flat `{error, error_description}` bodies, not the API error shape. */
function oauthError(ctx: Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}

/** Google shows an error page instead of redirecting when the client or redirect URI is wrong. */
function authorizePage(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html><title>Error</title><p>${text.replace(/[<>&]/g, '')}</p>`;
}

function clientCredentials(ctx: Context, form: Record<string, unknown>): { id?: string; secret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(ctx.get('authorization'));
  if (basic) {
    const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    return { id: id ? decodeURIComponent(id) : undefined, secret: secret ? decodeURIComponent(secret) : undefined };
  }
  return { id: stringParam(form.client_id), secret: stringParam(form.client_secret) };
}

const redirectAllowed = (options: ResolvedOptions, uri: string): boolean =>
  options.redirectUris.length > 0 ? options.redirectUris.includes(uri) : /^https?:\/\//.test(uri);

/**
 * `GET /o/oauth2/v2/auth` (consent is given at once), `POST /token` (authorization_code and refresh_token grants;
 * refresh tokens do not rotate), `POST|GET /revoke` and `GET /tokeninfo`.
 */
export function oauthRouter(grants: GoogleGrants, options: ResolvedOptions): Router {
  const router = new Router();

  router.get('/o/oauth2/v2/auth', (ctx) => {
    const query = ctx.query;
    const clientId = stringParam(query.client_id);
    const redirectUri = stringParam(query.redirect_uri);
    const scope = stringParam(query.scope);
    if (clientId !== options.clientId) return authorizePage(ctx, 401, 'Error 401: invalid_client');
    if (!redirectUri)
      return authorizePage(ctx, 400, 'Error 400: invalid_request Missing required parameter: redirect_uri');
    if (!redirectAllowed(options, redirectUri)) return authorizePage(ctx, 400, 'Error 400: redirect_uri_mismatch');
    if (!scope) return authorizePage(ctx, 400, 'Error 400: invalid_request Missing required parameter: scope');
    const target = new URL(redirectUri);
    const state = stringParam(query.state);
    if (stringParam(query.response_type) !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
    } else {
      const scopes = scope.split(/\s+/).filter(Boolean);
      const offline = stringParam(query.access_type) === 'offline';
      target.searchParams.set('code', grants.newCode({ clientId, redirectUri, scopes, offline }));
      target.searchParams.set('scope', scopes.join(' '));
    }
    if (state !== undefined) target.searchParams.set('state', state);
    ctx.redirect(target.toString());
  });

  router.post('/token', bodyParser({ enableTypes: ['form', 'json'] }), (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const client = clientCredentials(ctx, form);
    if (!client.id) return oauthError(ctx, 400, 'invalid_request', 'Could not determine client ID from request.');
    if (client.id !== options.clientId)
      return oauthError(ctx, 401, 'invalid_client', 'The OAuth client was not found.');
    if (client.secret !== options.clientSecret) return oauthError(ctx, 401, 'invalid_client', 'Unauthorized');
    const grantType = stringParam(form.grant_type) ?? '';
    ctx.set('Cache-Control', 'no-store');

    if (grantType === 'authorization_code') {
      const code = grants.takeCode(stringParam(form.code) ?? '');
      if (!code || code.clientId !== client.id) return oauthError(ctx, 400, 'invalid_grant', 'Bad Request');
      if (code.redirectUri !== stringParam(form.redirect_uri)) {
        return oauthError(ctx, 400, 'redirect_uri_mismatch', 'Bad Request');
      }
      const issued = grants.issue(client.id, code.scopes, code.offline);
      ctx.body = {
        access_token: issued.accessToken,
        expires_in: issued.expiresIn,
        ...(code.offline ? { refresh_token: issued.refreshToken } : {}),
        scope: code.scopes.join(' '),
        token_type: 'Bearer',
      };
      return;
    }

    if (grantType === 'refresh_token') {
      const refreshToken = stringParam(form.refresh_token) ?? '';
      const grant = grants.refreshing(refreshToken);
      const issued = grant ? grants.tokens.refreshGrant(refreshToken) : null;
      if (!grant || !issued) return oauthError(ctx, 400, 'invalid_grant', 'Token has been expired or revoked.');
      if (grant.clientId !== client.id) return oauthError(ctx, 401, 'unauthorized_client', 'Unauthorized');
      // No refresh_token in the reply: Google's refresh tokens do not rotate.
      ctx.body = {
        access_token: issued.accessToken,
        expires_in: issued.expiresIn,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      };
      return;
    }

    oauthError(ctx, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  });

  const revoke = (ctx: Context): void => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const token = stringParam(ctx.query.token) ?? stringParam(form.token) ?? '';
    if (!grants.revoke(token)) return oauthError(ctx, 400, 'invalid_token', 'Token expired or revoked');
    ctx.body = {};
  };
  router.post('/revoke', bodyParser({ enableTypes: ['form', 'json'] }), revoke);
  router.get('/revoke', revoke);

  router.get('/tokeninfo', (ctx) => {
    const token = stringParam(ctx.query.access_token) ?? '';
    const grant = grants.authenticate(token);
    const checked = grants.tokens.check(token);
    if (grant === 'invalid' || checked.state !== 'valid') {
      return oauthError(ctx, 400, 'invalid_token', 'Invalid Value');
    }
    ctx.body = {
      azp: grant.clientId,
      aud: grant.clientId,
      scope: grant.scopes.join(' '),
      email: options.userEmail,
      email_verified: 'true',
    };
  });

  return router;
}
