import { randomBytes, randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import jwt from 'jsonwebtoken';
import type { Context } from 'koa';
import { TokenStore } from '../../core/tokens.js';
import type { JobberOptions } from './options.js';

export interface JobberCredentials {
  clientId: string;
  clientSecret: string;
  /** HS256 key the sandbox signs access-token JWTs with (Jobber's own key is private; ours is published). */
  jwtSecret: string;
  accountId: string;
  appId: string;
}

/** Jobber's token reply: no expires_in (read `exp` from the JWT); `warning` when rotation is off. */
export interface TokenReply {
  access_token: string;
  refresh_token: string;
  warning?: string;
}

const CODE_TTL_MS = 10 * 60_000;

/** Doorkeeper's (Jobber's OAuth provider) error descriptions. */
const OAUTH_ERRORS = {
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported ' +
    'authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in ' +
    'the authorization request, or was issued to another client.',
  invalid_request:
    'The request is missing a required parameter, includes an unsupported parameter value, or is ' +
    'otherwise malformed.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
} as const;

const ROTATION_OFF_WARNING =
  'Refresh token rotation is disabled for this app. Enable it in the Developer Center; it is required for apps ' +
  'listed in the Jobber App Marketplace.';

function oauthError(ctx: Context, status: number, error: keyof typeof OAUTH_ERRORS): void {
  ctx.status = status;
  ctx.body = { error, error_description: OAUTH_ERRORS[error] };
}

/** OAuth 2 for Jobber: authorization codes, JWT access tokens, rotating refresh tokens (vendor-facts §1.1). */
export class JobberAuth {
  private tokens: TokenStore;
  private readonly codes = new Map<string, { redirectUri: string; expiresAt: number }>();

  constructor(
    readonly credentials: JobberCredentials,
    private readonly options: JobberOptions,
  ) {
    this.tokens = this.newStore();
  }

  private newStore(): TokenStore {
    return new TokenStore('jobber', this.options.accessTokenTtlSeconds, this.options.rotateRefreshTokens);
  }

  private jwtFor(now: number): { token: string; expiresAt: number } {
    const exp = Math.floor(now / 1000) + this.options.accessTokenTtlSeconds;
    const token = jwt.sign(
      { iat: Math.floor(now / 1000), exp, account_id: this.credentials.accountId, app_id: this.credentials.appId },
      this.credentials.jwtSecret,
      { algorithm: 'HS256', jwtid: randomUUID() },
    );
    return { token, expiresAt: exp * 1000 };
  }

  /** The core store mints opaque access tokens; Jobber's are JWTs, so swap them in under the same rules. */
  private asJwt(opaque: string, now: number): string {
    this.tokens.revokeAccessToken(opaque);
    const { token, expiresAt } = this.jwtFor(now);
    this.tokens.register(token, this.credentials.accountId, expiresAt);
    return token;
  }

  /** A fresh grant, as after the user approves the app. */
  issue(now = Date.now()): TokenReply {
    const grant = this.tokens.issue(this.credentials.accountId, now);
    return { access_token: this.asJwt(grant.accessToken, now), refresh_token: grant.refreshToken };
  }

  /** The grant's account when the bearer token is a valid, unexpired sandbox JWT; null otherwise. */
  authenticate(authorization: string | undefined, now = Date.now()): string | null {
    const match = /^bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return null;
    try {
      jwt.verify(match[1]!, this.credentials.jwtSecret, { algorithms: ['HS256'], clockTimestamp: now / 1000 });
    } catch {
      return null;
    }
    const state = this.tokens.check(match[1]!, now);
    return state.state === 'valid' ? (state.subject ?? null) : null;
  }

  expireAccessTokens(): void {
    this.tokens.expireAllAccessTokens();
  }

  revokeRefreshTokens(): void {
    this.tokens.revokeAllRefreshTokens();
  }

  /** appDisconnect, client-secret roll: both tokens of every grant die. */
  disconnect(): void {
    this.tokens.expireAllAccessTokens();
    this.tokens.revokeAllRefreshTokens();
  }

  /** Pending authorization codes die with a reset; issued tokens stay valid (the app stays connected). */
  reset(): void {
    this.codes.clear();
  }

  private redirectAllowed(uri: string): boolean {
    if (this.options.redirectUris.length > 0) return this.options.redirectUris.includes(uri);
    return /^https?:\/\//.test(uri);
  }

  private authorize(ctx: Context): void {
    const query = ctx.query as Record<string, string | undefined>;
    const redirectUri = query.redirect_uri ?? '';
    if (query.client_id !== this.credentials.clientId) return oauthError(ctx, 401, 'invalid_client');
    if (query.response_type !== 'code' || !this.redirectAllowed(redirectUri)) {
      return oauthError(ctx, 400, 'invalid_request');
    }
    // Denial sends the user back with no parameters at all (Jobber docs, App authorization).
    if (query.deny === '1' || query.deny === 'true') return ctx.redirect(redirectUri);
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { redirectUri, expiresAt: Date.now() + CODE_TTL_MS });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    ctx.redirect(target.toString());
  }

  private token(ctx: Context): void {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    if (body.client_id !== this.credentials.clientId || body.client_secret !== this.credentials.clientSecret) {
      return oauthError(ctx, 401, 'invalid_client');
    }
    if (body.grant_type === 'authorization_code') {
      const grant = body.code ? this.codes.get(body.code) : undefined;
      if (body.code) this.codes.delete(body.code);
      if (!grant || grant.expiresAt < Date.now() || (body.redirect_uri && body.redirect_uri !== grant.redirectUri)) {
        return oauthError(ctx, 401, 'invalid_grant');
      }
      ctx.body = this.issue();
      return;
    }
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) return oauthError(ctx, 400, 'invalid_request');
      const now = Date.now();
      // With rotation on, a used refresh token is gone from the store, so reusing it lands here.
      const grant = this.tokens.refreshGrant(body.refresh_token, now);
      if (!grant) return oauthError(ctx, 401, 'invalid_grant');
      const reply: TokenReply = { access_token: this.asJwt(grant.accessToken, now), refresh_token: grant.refreshToken };
      if (!this.options.rotateRefreshTokens) reply.warning = ROTATION_OFF_WARNING;
      ctx.body = reply;
      return;
    }
    oauthError(ctx, 400, 'unsupported_grant_type');
  }

  routes(): Router {
    const router = new Router({ prefix: '/api/oauth' });
    router.get('/authorize', (ctx) => this.authorize(ctx));
    router.post('/token', bodyParser({ enableTypes: ['form', 'json'] }), (ctx) => this.token(ctx));
    return router;
  }
}
