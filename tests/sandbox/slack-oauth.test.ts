import { ErrorCode, WebClient, type OauthV2AccessResponse, type WebAPIPlatformError } from '@slack/web-api';
import { expect } from 'chai';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { SLACK_IDENTITY, slackSimulator } from '../../sandbox/vendors/slack/index.js';

/** OAuth v2 install, code exchange and token rotation of the Slack simulator, through @slack/web-api. */
describe('sandbox: Slack OAuth v2 and token rotation', () => {
  let running: RunningSandbox;
  let baseUrl: string;
  const redirectUri = 'https://app.example/oauth/slack/callback';

  const client = (token?: string) =>
    new WebClient(token, { slackApiUrl: `${baseUrl}/api/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

  async function control(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).to.be.lessThan(300);
  }

  async function rejection(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
    try {
      await promise;
    } catch (error) {
      return error as WebAPIPlatformError;
    }
    throw new Error('expected the call to fail');
  }

  /** Plays the user clicking "Allow" on the install page; returns the redirect's query. */
  async function authorize(params: Record<string, string>): Promise<URLSearchParams> {
    const query = new URLSearchParams({ client_id: SLACK_IDENTITY.clientId, redirect_uri: redirectUri, ...params });
    const response = await fetch(`${baseUrl}/oauth/v2/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).to.equal(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).to.equal(redirectUri);
    return location.searchParams;
  }

  async function install(scope: string): Promise<OauthV2AccessResponse> {
    const code = (await authorize({ scope, state: 'xyz' })).get('code') ?? '';
    return client().oauth.v2.access({
      client_id: SLACK_IDENTITY.clientId,
      client_secret: SLACK_IDENTITY.clientSecret,
      code,
      redirect_uri: redirectUri,
    });
  }

  before(async () => {
    running = await startSandbox({ factories: [slackSimulator({ tokenRotation: true })], port: 0, scale: 'small' });
    baseUrl = running.sandbox.baseUrl('slack');
  });

  after(async () => {
    await running?.close();
  });

  beforeEach(async () => {
    await control('/reset', {});
    await control('/settings', { rateLimits: false });
  });

  it('exchanges a one-time code for rotating bot tokens', async () => {
    const redirect = await authorize({ scope: 'chat:write,channels:read', state: 'abc' });
    expect(redirect.get('state')).to.equal('abc');
    const code = redirect.get('code') ?? '';
    const grant = await client().oauth.v2.access({
      client_id: SLACK_IDENTITY.clientId,
      client_secret: SLACK_IDENTITY.clientSecret,
      code,
      redirect_uri: redirectUri,
    });
    expect(grant).to.include({
      ok: true,
      token_type: 'bot',
      scope: 'chat:write,channels:read',
      bot_user_id: SLACK_IDENTITY.botUserId,
      app_id: SLACK_IDENTITY.appId,
      expires_in: 43_200,
    });
    expect(grant.team).to.deep.equal({ id: SLACK_IDENTITY.teamId, name: 'Sandbox Field Services' });
    expect(grant.access_token).to.match(/^xoxe\.xoxb-1-/);
    expect(grant.refresh_token).to.be.a('string').and.not.equal(grant.access_token);
    const who = await client(grant.access_token).auth.test();
    expect(who).to.include({ user_id: SLACK_IDENTITY.botUserId, team_id: SLACK_IDENTITY.teamId });

    const reused = await rejection(
      client().oauth.v2.access({
        client_id: SLACK_IDENTITY.clientId,
        client_secret: SLACK_IDENTITY.clientSecret,
        code,
      }),
    );
    expect(reused.code).to.equal(ErrorCode.PlatformError);
    expect(reused.data.error).to.equal('invalid_code');
  });

  it('checks the client credentials, also from HTTP Basic', async () => {
    const code = (await authorize({ scope: 'chat:write' })).get('code') ?? '';
    const badSecret = await rejection(
      client().oauth.v2.access({ client_id: SLACK_IDENTITY.clientId, client_secret: 'wrong', code }),
    );
    expect(badSecret.data.error).to.equal('bad_client_secret');
    const badId = await rejection(client().oauth.v2.access({ client_id: '1.2', client_secret: 'x', code }));
    expect(badId.data.error).to.equal('invalid_client_id');
    const basic = Buffer.from(`${SLACK_IDENTITY.clientId}:${SLACK_IDENTITY.clientSecret}`).toString('base64');
    const response = await fetch(`${baseUrl}/api/oauth.v2.access`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code }).toString(),
    });
    expect(await response.json()).to.include({ ok: true, token_type: 'bot' });
  });

  it('redirects a denied install with error=access_denied', async () => {
    const redirect = await authorize({ scope: 'chat:write', state: 's1', deny: '1' });
    expect(redirect.get('error')).to.equal('access_denied');
    expect(redirect.get('code')).to.equal(null);
    expect(redirect.get('state')).to.equal('s1');
  });

  it('enforces scopes with missing_scope', async () => {
    const grant = await install('chat:write');
    const error = await rejection(client(grant.access_token).conversations.list());
    expect(error.data.error).to.equal('missing_scope');
    expect(error.data).to.include({ needed: 'channels:read', provided: 'chat:write' });
  });

  it('rotates refresh tokens: each refresh returns a new pair and kills the old refresh token', async () => {
    const grant = await install('channels:read');
    const refresh = (refreshToken: string) =>
      client().oauth.v2.access({
        client_id: SLACK_IDENTITY.clientId,
        client_secret: SLACK_IDENTITY.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
    const next = await refresh(grant.refresh_token!);
    expect(next).to.include({ ok: true, token_type: 'bot', expires_in: 43_200 });
    expect(next.access_token).to.not.equal(grant.access_token);
    expect(next.refresh_token).to.not.equal(grant.refresh_token);
    expect((await client(next.access_token).conversations.list()).ok).to.equal(true);
    const replay = await rejection(refresh(grant.refresh_token!));
    expect(replay.data.error).to.equal('invalid_refresh_token');
    expect((await refresh(next.refresh_token!)).ok).to.equal(true);
  });

  it('expires access tokens and revokes refresh tokens on control-API auth faults', async () => {
    const grant = await install('channels:read');
    await control('/faults', { vendor: 'slack', auth: 'token_expiry_now' });
    const expired = await rejection(client(grant.access_token).conversations.list());
    expect(expired.data.error).to.equal('token_expired');
    // The ready-made bot token is a long-lived one: not affected.
    expect((await client(SLACK_IDENTITY.botToken).auth.test()).ok).to.equal(true);
    const renewed = await client().oauth.v2.access({
      client_id: SLACK_IDENTITY.clientId,
      client_secret: SLACK_IDENTITY.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: grant.refresh_token!,
    });
    expect((await client(renewed.access_token).conversations.list()).ok).to.equal(true);

    await control('/faults', { vendor: 'slack', auth: 'refresh_token_revoked' });
    const revoked = await rejection(
      client().oauth.v2.access({
        client_id: SLACK_IDENTITY.clientId,
        client_secret: SLACK_IDENTITY.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: renewed.refresh_token!,
      }),
    );
    expect(revoked.data.error).to.equal('invalid_refresh_token');
  });

  it('forgets every grant on reset', async () => {
    const grant = await install('channels:read');
    await control('/reset', {});
    const error = await rejection(client(grant.access_token).auth.test());
    expect(error.data.error).to.equal('invalid_auth');
  });
});
