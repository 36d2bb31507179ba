import type { Context } from 'koa';
import { SlackApiError } from '../errors.js';
import { BOT_SCOPES, SLACK_IDENTITY, workspaceUrl } from '../identity.js';
import { optionalString } from '../request.js';
import type { SlackAuth } from '../auth.js';
import { callerOf, type SlackMethod } from './types.js';

/** auth.test: who the token belongs to. */
export const authTest: SlackMethod = {
  tier: 'tier4',
  run(call) {
    const caller = callerOf(call);
    return {
      ok: true,
      url: workspaceUrl(),
      team: SLACK_IDENTITY.teamName,
      user: caller.kind === 'bot' ? 'sandbox_bot' : 'sandbox_admin',
      team_id: SLACK_IDENTITY.teamId,
      user_id: caller.userId,
      ...(caller.kind === 'bot' ? { bot_id: SLACK_IDENTITY.botId } : {}),
      is_enterprise_install: false,
    };
  },
};

/** The app's credentials: form fields, or HTTP Basic (both accepted by Slack's oauth.v2.access). */
function checkClient(ctx: Context, args: Record<string, unknown>): void {
  let clientId = optionalString(args, 'client_id');
  let clientSecret = optionalString(args, 'client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(ctx.get('authorization'))?.[1];
  if (basic && clientId === undefined) {
    const [id = '', ...secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    clientId = id;
    clientSecret = secret.join(':');
  }
  if (clientId !== SLACK_IDENTITY.clientId) throw new SlackApiError('invalid_client_id');
  if (clientSecret !== SLACK_IDENTITY.clientSecret) throw new SlackApiError('bad_client_secret');
}

/** oauth.v2.access: the code exchange, and with token rotation the refresh grant. */
export const oauthV2Access: SlackMethod = {
  tier: 'tier4',
  public: true,
  run(call) {
    checkClient(call.ctx, call.args);
    const grantType = optionalString(call.args, 'grant_type') ?? 'authorization_code';
    if (grantType === 'refresh_token') {
      const refreshToken = optionalString(call.args, 'refresh_token');
      if (!refreshToken)
        throw new SlackApiError(call.options.refreshFailure.error, {}, call.options.refreshFailure.status);
      return call.auth.refresh(refreshToken);
    }
    if (grantType !== 'authorization_code') throw new SlackApiError('invalid_grant_type');
    const code = optionalString(call.args, 'code');
    if (!code) throw new SlackApiError('invalid_code');
    return call.auth.exchangeCode(code, optionalString(call.args, 'redirect_uri'));
  },
};

function scopeList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\s]+/)
    .map((scope) => scope.trim())
    .filter(Boolean);
}

/**
 * GET /oauth/v2/authorize: the install page, approved at once (no human in the sandbox). Redirects to
 * `redirect_uri?code=…&state=…`; `deny=1` plays a user who clicks Cancel (`error=access_denied`).
 */
export function authorizePage(ctx: Context, auth: SlackAuth): void {
  const query = new URLSearchParams(ctx.querystring);
  const redirectUri = query.get('redirect_uri');
  const fail = (message: string) => {
    ctx.status = 400;
    ctx.type = 'text/plain';
    ctx.body = message;
  };
  if (query.get('client_id') !== SLACK_IDENTITY.clientId) return fail('invalid_client_id');
  if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return fail('bad_redirect_uri');
  const botScopes = scopeList(query.get('scope') ?? undefined);
  const userScopes = scopeList(query.get('user_scope') ?? undefined);
  const known = new Set<string>(BOT_SCOPES);
  if (botScopes.some((scope) => !known.has(scope))) return fail('invalid_scope');
  if (botScopes.length + userScopes.length === 0) return fail('invalid_scope');
  const target = new URL(redirectUri);
  if (query.get('deny') === '1') target.searchParams.set('error', 'access_denied');
  else target.searchParams.set('code', auth.issueCode(botScopes, userScopes, redirectUri));
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  ctx.redirect(target.toString());
}
