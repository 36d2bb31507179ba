import { randomBytes } from 'node:crypto';
import { TokenStore, type IssuedTokens } from '../../core/tokens.js';
import type { AuthFault } from '../../core/sandbox.js';
import { SlackApiError } from './errors.js';
import { BOT_SCOPES, SLACK_IDENTITY } from './identity.js';
import type { SlackSimulatorOptions } from './options.js';

/** Who is calling: a bot or a user token, with its granted scopes. */
export interface Caller {
  kind: 'bot' | 'user';
  userId: string;
  scopes: readonly string[];
}

interface PendingCode {
  botScopes: string[];
  userScopes: string[];
  redirectUri: string;
  expiresAt: number;
}

/** TokenStore subjects carry the grant (kind and scopes) as JSON. */
function subjectOf(caller: Caller): string {
  return JSON.stringify(caller);
}

/** Without rotation Slack tokens never expire; a century stands in for "never". */
const NEVER_SECONDS = 100 * 365 * 86_400;

/**
 * Slack's OAuth v2 grants: one-time authorization codes, bot and user tokens, and (with token rotation) access
 * tokens that expire plus refresh tokens that are replaced on every use.
 */
export class SlackAuth {
  private codes = new Map<string, PendingCode>();
  private bot!: TokenStore;
  private user!: TokenStore;

  constructor(private readonly options: SlackSimulatorOptions) {
    this.reset();
  }

  reset(): void {
    const rotate = this.options.tokenRotation;
    const ttl = rotate ? this.options.accessTokenTtlSeconds : NEVER_SECONDS;
    // Rotating tokens are "xoxe.xoxb-1-…"/"xoxe.xoxp-1-…" at Slack; long-lived ones plain "xoxb-…"/"xoxp-…".
    this.bot = new TokenStore(rotate ? 'xoxe.xoxb-1' : 'xoxb', ttl, rotate);
    this.user = new TokenStore(rotate ? 'xoxe.xoxp-1' : 'xoxp', ttl, rotate);
    this.codes.clear();
  }

  fault(kind: AuthFault): void {
    for (const store of [this.bot, this.user]) {
      if (kind === 'token_expiry_now') store.expireAllAccessTokens();
      else store.revokeAllRefreshTokens();
    }
  }

  /** The user approved the install: a code for `oauth.v2.access`. */
  issueCode(botScopes: string[], userScopes: string[], redirectUri: string, now = Date.now()): string {
    const code = `${SLACK_IDENTITY.clientId.split('.')[0]}.${Date.now()}.${randomBytes(16).toString('hex')}`;
    this.codes.set(code, { botScopes, userScopes, redirectUri, expiresAt: now + this.options.codeTtlSeconds * 1000 });
    return code;
  }

  /** Resolves the token of a Web API call (Bearer header first, else the `token` argument). */
  authenticate(header: string, argToken: unknown, now = Date.now()): Caller {
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const token = bearer ?? (typeof argToken === 'string' && argToken !== '' ? argToken : undefined);
    if (!token) throw new SlackApiError('not_authed');
    if (token === SLACK_IDENTITY.botToken) return { kind: 'bot', userId: SLACK_IDENTITY.botUserId, scopes: BOT_SCOPES };
    for (const store of [this.bot, this.user]) {
      const check = store.check(token, now);
      if (check.state === 'expired') throw new SlackApiError('token_expired');
      if (check.state === 'valid') return JSON.parse(check.subject ?? '{}') as Caller;
    }
    throw new SlackApiError('invalid_auth');
  }

  /** `oauth.v2.access` with `code`: exchanges a one-time code for the bot (and user) tokens. */
  exchangeCode(code: string, redirectUri: string | undefined, now = Date.now()): Record<string, unknown> {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= now) throw new SlackApiError('invalid_code');
    if (pending.redirectUri !== (redirectUri ?? pending.redirectUri)) throw new SlackApiError('bad_redirect_uri');
    const reply: Record<string, unknown> = {
      ok: true,
      app_id: SLACK_IDENTITY.appId,
      authed_user: { id: SLACK_IDENTITY.installerUserId },
      team: { id: SLACK_IDENTITY.teamId, name: SLACK_IDENTITY.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
    if (pending.botScopes.length > 0) {
      const caller: Caller = { kind: 'bot', userId: SLACK_IDENTITY.botUserId, scopes: pending.botScopes };
      const tokens = this.bot.issue(subjectOf(caller), now);
      Object.assign(reply, {
        scope: pending.botScopes.join(','),
        token_type: 'bot',
        bot_user_id: SLACK_IDENTITY.botUserId,
        ...this.tokenFields(tokens),
      });
    }
    if (pending.userScopes.length > 0) {
      const caller: Caller = { kind: 'user', userId: SLACK_IDENTITY.installerUserId, scopes: pending.userScopes };
      const tokens = this.user.issue(subjectOf(caller), now);
      reply.authed_user = {
        id: SLACK_IDENTITY.installerUserId,
        scope: pending.userScopes.join(','),
        token_type: 'user',
        ...this.tokenFields(tokens),
      };
    }
    return reply;
  }

  /** `oauth.v2.access` with `grant_type=refresh_token`: a new access token and a new refresh token. */
  refresh(refreshToken: string, now = Date.now()): Record<string, unknown> {
    const failure = () => new SlackApiError(this.options.refreshFailure.error, {}, this.options.refreshFailure.status);
    if (!this.options.tokenRotation) throw failure();
    for (const [store, kind] of [
      [this.bot, 'bot'],
      [this.user, 'user'],
    ] as const) {
      const tokens = store.refreshGrant(refreshToken, now);
      if (!tokens) continue;
      const caller = JSON.parse(store.check(tokens.accessToken, now).subject ?? '{}') as Caller;
      return {
        ok: true,
        app_id: SLACK_IDENTITY.appId,
        authed_user: { id: SLACK_IDENTITY.installerUserId },
        scope: caller.scopes.join(','),
        token_type: kind,
        ...(kind === 'bot' ? { bot_user_id: SLACK_IDENTITY.botUserId } : {}),
        ...this.tokenFields(tokens),
        team: { id: SLACK_IDENTITY.teamId, name: SLACK_IDENTITY.teamName },
        enterprise: null,
        is_enterprise_install: false,
      };
    }
    throw failure();
  }

  private tokenFields(tokens: IssuedTokens): Record<string, unknown> {
    if (!this.options.tokenRotation) return { access_token: tokens.accessToken };
    return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, expires_in: tokens.expiresIn };
  }
}
