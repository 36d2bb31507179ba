import { WebClient } from '@slack/web-api';
import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { SLACK_IDENTITY, slackSimulator, type SlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/** Slack's documented v0 check, written independently of the simulator: HMAC-SHA256 over "v0:ts:body", 5 min. */
function verifySlackRequest(signingSecret: string, headers: IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = Number(headers['x-slack-request-timestamp']);
  const signature = String(headers['x-slack-signature'] ?? '');
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

describe('sandbox: Slack Events API', () => {
  let running: RunningSandbox;
  let simulator: SlackSimulator;
  let receiver: Server;
  let receiverUrl: string;
  let received: Received[] = [];
  let reply: (request: Received, index: number) => Reply = () => ({ status: 200 });

  async function control(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).to.be.lessThan(300);
    return (await response.json()) as Record<string, unknown>;
  }

  /** Our stand-in for the app's Events endpoint: echoes the url_verification challenge like Bolt does. */
  function echoChallenge(request: Received): Reply | undefined {
    if (request.body.type !== 'url_verification') return undefined;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) };
  }

  const callbacks = () => received.filter((request) => request.body.type === 'event_callback');

  before(async () => {
    running = await startSandbox({
      factories: [slackSimulator({ eventRetryDelaysMs: [10, 20, 30], eventAckTimeoutMs: 300 })],
      port: 0,
      scale: 'small',
    });
    simulator = running.simulators.get('slack') as SlackSimulator;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const request: Received = { headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
        received.push(request);
        const answer = echoChallenge(request) ?? reply(request, received.length - 1);
        setTimeout(() => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`;
  });

  after(async () => {
    await simulator?.drainEvents();
    await running?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  beforeEach(async () => {
    await control('/reset', {});
    await control('/settings', { rateLimits: false, webhookUrls: { slack: receiverUrl } });
    received = [];
    reply = () => ({ status: 200 });
  });

  it('verifies the Request URL, then delivers a signed event_callback for a new message', async () => {
    const channel = running.sandbox.world.slackChannels[2]!;
    const { change } = (await control('/mutate', {
      entity: 'slackMessage',
      action: 'create',
      changes: { channelKey: channel.key, text: 'Customer asked for a callback' },
    })) as { change: { key: number } };
    expect(received).to.have.length(2);
    const [verification, callback] = received as [Received, Received];
    expect(verification.body).to.include({ type: 'url_verification', token: SLACK_IDENTITY.verificationToken });
    expect(verification.body.challenge).to.be.a('string').with.length.greaterThan(10);
    expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, verification.headers, verification.raw)).to.equal(true);

    expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, callback.headers, callback.raw)).to.equal(true);
    expect(verifySlackRequest('another-secret', callback.headers, callback.raw)).to.equal(false);
    expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, callback.headers, `${callback.raw} `)).to.equal(false);
    expect(callback.headers['x-slack-retry-num']).to.equal(undefined);
    const message = running.sandbox.world.slackMessages[change.key]!;
    expect(callback.body).to.include({
      token: SLACK_IDENTITY.verificationToken,
      team_id: SLACK_IDENTITY.teamId,
      api_app_id: SLACK_IDENTITY.appId,
      type: 'event_callback',
    });
    expect(callback.body.event_id).to.match(/^Ev[0-9A-Z]+$/);
    expect(callback.body.event_time).to.be.closeTo(Math.floor(Date.now() / 1000), 5);
    expect(callback.body.authorizations).to.deep.equal([
      {
        enterprise_id: null,
        team_id: SLACK_IDENTITY.teamId,
        user_id: SLACK_IDENTITY.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ]);
    expect(callback.body.event).to.include({
      type: 'message',
      channel: channel.id,
      text: 'Customer asked for a callback',
      ts: message.ts,
      event_ts: message.ts,
      user: message.user,
      channel_type: 'channel',
    });
    // Slack gives the new message its own ts even though the control API copied the previous one's.
    expect(running.sandbox.world.slackMessages.filter((m) => m.ts === message.ts)).to.have.length(1);
  });

  it('retries a failed delivery three times with X-Slack-Retry-Num and a fresh signature each time', async () => {
    reply = () => ({ status: 500 });
    await control('/mutate', { entity: 'slackMessage', action: 'create', changes: { text: 'retry me' } });
    await simulator.drainEvents();
    const attempts = callbacks();
    expect(attempts).to.have.length(4);
    expect(attempts.map((a) => a.headers['x-slack-retry-num'])).to.deep.equal([undefined, '1', '2', '3']);
    expect(attempts.slice(1).map((a) => a.headers['x-slack-retry-reason'])).to.deep.equal([
      'http_error',
      'http_error',
      'http_error',
    ]);
    expect(new Set(attempts.map((a) => a.body.event_id)).size).to.equal(1);
    for (const attempt of attempts) {
      expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, attempt.headers, attempt.raw)).to.equal(true);
    }
    const { deliveries } = (await control('/deliveries?vendor=slack&kind=webhook', undefined)) as {
      deliveries: Array<{ detail: { type: string; status: number; attempt: number } }>;
    };
    const logged = deliveries.filter((d) => d.detail.type === 'event_callback');
    expect(logged.map((d) => [d.detail.attempt, d.detail.status])).to.deep.equal([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 500],
    ]);
  });

  it('stops at the first 2xx, reports http_timeout for a slow receiver, and honours X-Slack-No-Retry', async () => {
    reply = (_request, index) => (index === 1 ? { status: 200, delayMs: 600 } : { status: 200 });
    await control('/mutate', { entity: 'slackMessage', action: 'create', changes: { text: 'slow' } });
    await simulator.drainEvents();
    expect(callbacks().map((a) => a.headers['x-slack-retry-reason'])).to.deep.equal([undefined, 'http_timeout']);

    received = [];
    reply = () => ({ status: 503, headers: { 'X-Slack-No-Retry': '1' } });
    await control('/mutate', { entity: 'slackMessage', action: 'create', changes: { text: 'no retry' } });
    await simulator.drainEvents();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(callbacks()).to.have.length(1);
  });

  it('sends nothing but the url_verification to a URL that does not echo the challenge', async () => {
    const plain = await startWebhookReceiver();
    try {
      await control('/settings', { webhookUrls: { slack: plain.url } });
      expect(await simulator.verifyEventsUrl()).to.equal(false);
      await control('/mutate', { entity: 'slackMessage', action: 'create', changes: { text: 'lost' } });
      await simulator.drainEvents();
      const types = plain.received.map((r) => (JSON.parse(r.rawBody.toString('utf8')) as { type: string }).type);
      expect(types).to.deep.equal(['url_verification', 'url_verification']);
    } finally {
      await plain.close();
    }
  });

  it("echoes the app's own posts with bot_id and reports edits as message_changed", async () => {
    const web = new WebClient(SLACK_IDENTITY.botToken, {
      slackApiUrl: `${running.sandbox.baseUrl('slack')}/api/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const channel = running.sandbox.world.slackChannels[0]!;
    const posted = await web.chat.postMessage({ channel: channel.id, text: 'Invoice 1001 paid' });
    await simulator.drainEvents();
    const [own] = callbacks();
    expect(own?.body.event).to.include({
      type: 'message',
      ts: posted.ts,
      bot_id: SLACK_IDENTITY.botId,
      user: SLACK_IDENTITY.botUserId,
      channel: channel.id,
    });

    const key = running.sandbox.world.slackMessages.findIndex((m) => m.ts === posted.ts);
    await control('/mutate', {
      entity: 'slackMessage',
      action: 'update',
      key,
      changes: { text: 'Invoice 1001 paid in full' },
    });
    const changed = callbacks()[1]?.body.event as Record<string, unknown> & { message: Record<string, unknown> };
    expect(changed).to.include({ type: 'message', subtype: 'message_changed', channel: channel.id, hidden: true });
    expect(changed.message).to.include({ ts: posted.ts, text: 'Invoice 1001 paid in full' });
  });

  describe('app_mention and reactions', () => {
    const mention = `<@${SLACK_IDENTITY.botUserId}>`;
    let web: WebClient;

    before(() => {
      web = new WebClient(SLACK_IDENTITY.botToken, {
        slackApiUrl: `${running.sandbox.baseUrl('slack')}/api/`,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
    });

    async function createMessage(changes: Record<string, unknown>) {
      const { change } = (await control('/mutate', { entity: 'slackMessage', action: 'create', changes })) as {
        change: { key: number };
      };
      return running.sandbox.world.slackMessages[change.key]!;
    }

    async function reactionsOn(channelId: string, ts: string): Promise<unknown> {
      const history = await web.conversations.history({ channel: channelId, oldest: ts, latest: ts, inclusive: true });
      expect(history.messages?.map((m) => m.ts)).to.deep.equal([ts]);
      return history.messages?.[0]?.reactions;
    }

    async function mutateStatus(body: unknown): Promise<number> {
      const response = await fetch(`${running.controlUrl}/_sandbox/mutate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.body?.cancel();
      return response.status;
    }

    it('sends a signed app_mention with its own event id next to the message event of a message naming the bot', async () => {
      const channel = running.sandbox.world.slackChannels[1]!;
      const text = `${mention} can you log the Hartley callback?`;
      const message = await createMessage({ channelKey: channel.key, user: 'U0DISPATCH1', text, threadTs: null });
      const [posted, mentioned] = callbacks();
      expect(callbacks()).to.have.length(2);
      expect(posted?.body.event).to.include({ type: 'message', ts: message.ts, text });
      expect(mentioned?.body.event).to.deep.equal({
        type: 'app_mention',
        user: 'U0DISPATCH1',
        text,
        ts: message.ts,
        team: SLACK_IDENTITY.teamId,
        channel: channel.id,
        event_ts: message.ts,
      });
      expect(mentioned?.body).to.include({ type: 'event_callback', api_app_id: SLACK_IDENTITY.appId });
      expect(mentioned?.body.event_id).to.match(/^Ev[0-9A-Z]+$/);
      expect(mentioned?.body.event_id).to.not.equal(posted?.body.event_id);
      for (const callback of [posted!, mentioned!]) {
        expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, callback.headers, callback.raw)).to.equal(true);
      }

      received = [];
      const reply = await createMessage({ user: 'U0DISPATCH2', text: `on it ${mention}`, threadTs: message.ts });
      const threaded = callbacks().find((callback) => (callback.body.event as { type: string }).type === 'app_mention');
      expect(threaded?.body.event).to.include({ type: 'app_mention', ts: reply.ts, thread_ts: message.ts });
    });

    it('sends no app_mention for a message without the mention, nor for the bot mentioning itself', async () => {
      const eventTypes = () => callbacks().map((callback) => (callback.body.event as { type: string }).type);
      await createMessage({ user: 'U0DISPATCH1', text: `ping <@U0SOMEONE1> about the invoice`, threadTs: null });
      expect(eventTypes()).to.deep.equal(['message']);

      received = [];
      await createMessage({ user: SLACK_IDENTITY.botUserId, text: `${mention} reminder`, threadTs: null });
      const channel = running.sandbox.world.slackChannels[0]!;
      await web.chat.postMessage({ channel: channel.id, text: `${mention} posted by the app itself` });
      await simulator.drainEvents();
      expect(eventTypes()).to.deep.equal(['message', 'message']);
    });

    it('reports reactions added and removed through the control API and shows them on the message', async () => {
      const channel = running.sandbox.world.slackChannels[2]!;
      const message = await createMessage({ channelKey: channel.key, user: 'U0DISPATCH1', text: 'Van 3 is back' });
      received = [];

      await control('/mutate', {
        entity: 'slackReaction',
        action: 'create',
        changes: { channel: channel.id, ts: message.ts, name: ':white_check_mark:', user: 'U0DISPATCH2' },
      });
      const [added] = callbacks();
      expect(callbacks()).to.have.length(1);
      expect(verifySlackRequest(SLACK_IDENTITY.signingSecret, added!.headers, added!.raw)).to.equal(true);
      const addedEvent = added?.body.event as Record<string, unknown>;
      expect(addedEvent).to.deep.include({
        type: 'reaction_added',
        user: 'U0DISPATCH2',
        reaction: 'white_check_mark',
        item_user: 'U0DISPATCH1',
        item: { type: 'message', channel: channel.id, ts: message.ts },
      });
      expect(addedEvent.event_ts)
        .to.be.a('string')
        .and.match(/^\d+\.\d{6}$/);
      expect(await reactionsOn(channel.id, message.ts)).to.deep.equal([
        { name: 'white_check_mark', users: ['U0DISPATCH2'], count: 1 },
      ]);

      received = [];
      await control('/mutate', {
        entity: 'slackReaction',
        action: 'delete',
        changes: { messageKey: message.key, name: 'white_check_mark', user: 'U0DISPATCH2' },
      });
      const [removed] = callbacks();
      expect(callbacks()).to.have.length(1);
      expect(removed?.body.event_id).to.not.equal(added?.body.event_id);
      expect(removed?.body.event).to.deep.include({
        type: 'reaction_removed',
        user: 'U0DISPATCH2',
        reaction: 'white_check_mark',
        item_user: 'U0DISPATCH1',
        item: { type: 'message', channel: channel.id, ts: message.ts },
      });
      expect(await reactionsOn(channel.id, message.ts)).to.equal(undefined);

      // Like Slack's no_reaction: removing what is not there changes nothing and is not reported.
      received = [];
      await control('/mutate', {
        entity: 'slackReaction',
        action: 'delete',
        changes: { messageKey: message.key, name: 'white_check_mark', user: 'U0DISPATCH2' },
      });
      expect(callbacks()).to.have.length(0);
    });

    it('rejects a reaction on a missing message (404) and one without a user or with action update (400)', async () => {
      const channel = running.sandbox.world.slackChannels[0]!;
      const changes = { channel: channel.id, ts: '1.000001', name: 'eyes', user: 'U0DISPATCH1' };
      expect(await mutateStatus({ entity: 'slackReaction', action: 'create', changes })).to.equal(404);
      expect(
        await mutateStatus({ entity: 'slackReaction', action: 'create', changes: { messageKey: 0, name: 'eyes' } }),
      ).to.equal(400);
      expect(
        await mutateStatus({ entity: 'slackReaction', action: 'update', changes: { ...changes, messageKey: 0 } }),
      ).to.equal(400);
      expect(callbacks()).to.have.length(0);
    });
  });
});
