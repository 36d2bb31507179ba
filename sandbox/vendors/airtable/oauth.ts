import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { IssuedTokens, TokenStore } from '../../core/tokens.js';

/*
 * Airtable's OAuth 2.0 with PKCE (S256 required): `/oauth2/v1/authorize` approves at once (the sandbox user
 * always consents) and redirects with `code` and `state`; `/oauth2/v1/token` exchanges the code or a refresh
 * token. Refresh tokens rotate: each use returns a new one and kills the old (TokenStore with rotation on).
 */

export interface OAuthClient {
  clientId: string;
  /** When set, the token endpoint requires HTTP Basic auth with it (Airtable: integrations with a secret). */
  clientSecret: string | null;
  /** Seconds, reported as `refresh_expires_in`. */
  refreshTtlSeconds: number;
}

interface PendingCode {
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;

function oauthError(ctx: Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.body = { error, error_description: description };
}

function redirect(ctx: Context, target: string, params: Record<string, string>): void {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  ctx.redirect(url.toString());
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Client authentication at the token endpoint: Basic when the client has a secret, else `client_id` in the body. */
function clientAuthenticated(ctx: Context, client: OAuthClient, body: Record<string, string>): boolean {
  if (client.clientSecret === null) return body.client_id === client.clientId;
  const match = /^Basic\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return sameText(decoded, `${client.clientId}:${client.clientSecret}`);
}

export function oauthRouter(client: OAuthClient, tokens: TokenStore): Router {
  const codes = new Map<string, PendingCode>();
  const router = new Router({ prefix: '/oauth2/v1' });

  const reply = (ctx: Context, issued: IssuedTokens, scope: string) => {
    ctx.body = {
      access_token: issued.accessToken,
      refresh_token: issued.refreshToken,
      token_type: 'Bearer',
      scope,
      expires_in: issued.expiresIn,
      refresh_expires_in: client.refreshTtlSeconds,
    };
  };

  router.get('/authorize', (ctx) => {
    const query = ctx.query as Record<string, string | undefined>;
    const redirectUri = query.redirect_uri;
    if (query.client_id !== client.clientId || !redirectUri || !/^https?:\/\//.test(redirectUri)) {
      return oauthError(ctx, 400, 'invalid_request', 'Unknown client_id or invalid redirect_uri');
    }
    const state = query.state ?? '';
    if (query.response_type !== 'code') {
      return redirect(ctx, redirectUri, { error: 'unsupported_response_type', state });
    }
    if (!query.code_challenge || query.code_challenge_method !== 'S256' || !state) {
      return redirect(ctx, redirectUri, {
        error: 'invalid_request',
        error_description: 'state, code_challenge and code_challenge_method=S256 are required',
        state,
      });
    }
    const code = randomBytes(24).toString('hex');
    codes.set(code, {
      redirectUri,
      challenge: query.code_challenge,
      scope: query.scope ?? '',
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    redirect(ctx, redirectUri, { code, state });
  });

  router.post('/token', (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string>;
    if (!clientAuthenticated(ctx, client, body)) {
      return oauthError(ctx, 401, 'invalid_client', 'Client authentication failed');
    }
    if (body.grant_type === 'authorization_code') {
      const pending = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      const valid =
        pending &&
        pending.expiresAt > Date.now() &&
        pending.redirectUri === body.redirect_uri &&
        typeof body.code_verifier === 'string' &&
        sameText(s256(body.code_verifier), pending.challenge);
      if (!valid) return oauthError(ctx, 400, 'invalid_grant', 'The authorization code is invalid or expired');
      return reply(ctx, tokens.issue(pending.scope), pending.scope);
    }
    if (body.grant_type === 'refresh_token') {
      const issued = tokens.refreshGrant(body.refresh_token ?? '');
      if (!issued) return oauthError(ctx, 400, 'invalid_grant', 'The refresh token is invalid or expired');
      const scope = tokens.check(issued.accessToken).subject ?? '';
      return reply(ctx, issued, scope);
    }
    oauthError(ctx, 400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
  });

  return router;
}
