import {
  ErrorCode,
  WebClient,
  type ConversationsHistoryResponse,
  type ConversationsListResponse,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
} from '@slack/web-api';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { SLACK_IDENTITY, slackSimulator } from '../../sandbox/vendors/slack/index.js';

/** Contract tests of the Slack Web API simulator, driven through the official @slack/web-api client. */
describe('sandbox: Slack Web API', () => {
  let running: RunningSandbox;
  let apiUrl: string;

  /** `null` builds a client without a token. */
  const client = (token: string | null = SLACK_IDENTITY.botToken) =>
    new WebClient(token ?? undefined, {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });

  async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${path} answered ${response.status}`).to.be.lessThan(300);
    return (await response.json()) as Record<string, unknown>;
  }

  async function deliveries(kind: string): Promise<Array<{ detail: Record<string, unknown> }>> {
    const { deliveries: list } = await control(`/deliveries?vendor=slack&kind=${kind}`);
    return list as Array<{ detail: Record<string, unknown> }>;
  }

  async function rejection<T extends Error>(promise: Promise<unknown>): Promise<T> {
    try {
      await promise;
    } catch (error) {
      return error as T;
    }
    throw new Error('expected the call to fail');
  }

  const world = () => running.sandbox.world;

  before(async () => {
    running = await startSandbox({
      factories: [
        slackSimulator({
          rateLimits: { tier2: { perMinute: 6, burst: 3 }, postMessagePerChannel: { perMinute: 60, burst: 2 } },
        }),
      ],
      port: 0,
      scale: 'small',
    });
    apiUrl = `${running.sandbox.baseUrl('slack')}/api/`;
  });

  after(async () => {
    await running?.close();
  });

  beforeEach(async () => {
    await control('/reset', {});
    await control('/settings', { rateLimits: false });
  });

  it('publishes its credentials in GET /_sandbox', async () => {
    const { vendors } = (await control('/')) as { vendors: { slack: Record<string, unknown> } };
    expect(vendors.slack).to.include({
      apiUrl,
      botToken: SLACK_IDENTITY.botToken,
      clientId: SLACK_IDENTITY.clientId,
      signingSecret: SLACK_IDENTITY.signingSecret,
      teamId: SLACK_IDENTITY.teamId,
    });
  });

  it('auth.test identifies the bot token', async () => {
    const result = await client().auth.test();
    expect(result).to.include({
      ok: true,
      team_id: SLACK_IDENTITY.teamId,
      user_id: SLACK_IDENTITY.botUserId,
      bot_id: SLACK_IDENTITY.botId,
    });
    expect(result.url).to.match(/^https:\/\/.+\.slack\.com\/$/);
  });

  it('answers a bad token with invalid_auth and a missing one with not_authed (HTTP 200 platform errors)', async () => {
    const bad = await rejection<WebAPIPlatformError>(client('xoxb-not-a-real-token').auth.test());
    expect(bad.code).to.equal(ErrorCode.PlatformError);
    expect(bad.data.error).to.equal('invalid_auth');
    const missing = await rejection<WebAPIPlatformError>(client(null).conversations.list());
    expect(missing.code).to.equal(ErrorCode.PlatformError);
    expect(missing.data.error).to.equal('not_authed');
  });

  it('accepts the token as a form field, and JSON bodies with a Bearer header', async () => {
    const form = await fetch(`${apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: SLACK_IDENTITY.botToken }).toString(),
    });
    expect(form.status).to.equal(200);
    expect(await form.json()).to.include({ ok: true, user_id: SLACK_IDENTITY.botUserId });
    const channel = world().slackChannels[0]!;
    const json = await fetch(`${apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${SLACK_IDENTITY.botToken}`,
      },
      body: JSON.stringify({ channel: channel.id, blocks: [{ type: 'divider' }] }),
    });
    expect(await json.json()).to.include({ ok: true, channel: channel.id });
  });

  it('answers an unknown method with unknown_method', async () => {
    const error = await rejection<Error & { code: string; statusCode: number; body: unknown }>(
      client().apiCall('channels.teleport'),
    );
    expect(error.code).to.equal(ErrorCode.HTTPError);
    expect(error.statusCode).to.equal(404);
    expect(error.body).to.deep.equal({ ok: false, error: 'unknown_method', req_method: 'channels.teleport' });
  });

  it('conversations.list pages through every channel with cursors', async () => {
    const pages: Array<{ ids: string[]; cursor: string }> = [];
    for await (const page of client().paginate('conversations.list', { limit: 2 })) {
      const channels = (page as ConversationsListResponse).channels as Array<{
        id: string;
        name: string;
        is_channel: boolean;
      }>;
      expect(channels.length).to.be.at.most(2);
      expect(channels.every((channel) => channel.is_channel)).to.equal(true);
      pages.push({ ids: channels.map((c) => c.id), cursor: String(page.response_metadata?.next_cursor ?? '') });
    }
    expect(pages.flatMap((page) => page.ids)).to.deep.equal(world().slackChannels.map((channel) => channel.id));
    expect(pages).to.have.length(3);
    expect(pages.slice(0, -1).every((page) => page.cursor !== '')).to.equal(true);
    expect(pages.at(-1)?.cursor).to.equal('');
    const bad = await rejection<WebAPIPlatformError>(client().conversations.list({ cursor: 'bm9wZTox' }));
    expect(bad.data.error).to.equal('invalid_cursor');
  });

  it('conversations.history pages through a channel newest first, and honours oldest/latest', async () => {
    const channel = world().slackChannels[1]!;
    const expected = world()
      .slackMessages.filter((m) => m.channelKey === channel.key)
      .map((m) => m.ts)
      .sort()
      .reverse();
    expect(expected.length).to.be.greaterThan(15);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of client().paginate('conversations.history', { channel: channel.id, limit: 7 })) {
      pages += 1;
      const { messages = [], has_more } = page as ConversationsHistoryResponse;
      expect(messages.every((message) => message.type === 'message')).to.equal(true);
      expect(has_more).to.equal(seen.length + messages.length < expected.length);
      seen.push(...messages.map((message) => String(message.ts)));
    }
    expect(seen).to.deep.equal(expected);
    expect(pages).to.equal(Math.ceil(expected.length / 7));

    const [newest, , third] = expected;
    const window = await client().conversations.history({ channel: channel.id, oldest: third, latest: newest });
    expect(window.messages?.map((m) => m.ts)).to.deep.equal([expected[1]]);
    const inclusive = await client().conversations.history({
      channel: channel.id,
      oldest: third,
      latest: newest,
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.ts)).to.deep.equal(expected.slice(0, 3));
    const missing = await rejection<WebAPIPlatformError>(client().conversations.history({ channel: 'C0NOPE' }));
    expect(missing.data.error).to.equal('channel_not_found');
  });

  it('chat.postMessage posts by channel name, threads replies, records deliveries and updates the world', async () => {
    const dispatch = world().slackChannels.find((channel) => channel.name === 'dispatch')!;
    const before = world().slackMessages.length;
    const parent = await client().chat.postMessage({ channel: '#dispatch', text: 'Crew 2 is running late' });
    expect(parent).to.include({ ok: true, channel: dispatch.id });
    expect(parent.ts).to.match(/^\d{10}\.\d{6}$/);
    expect(parent.message).to.include({ text: 'Crew 2 is running late', bot_id: SLACK_IDENTITY.botId });
    const reply = await client().chat.postMessage({
      channel: dispatch.id,
      text: 'ETA 10 minutes',
      thread_ts: parent.ts!,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*ETA* 10 minutes' } }],
    });
    expect(reply.message).to.include({ thread_ts: parent.ts, parent_user_id: SLACK_IDENTITY.botUserId });
    expect(Number(reply.ts)).to.be.greaterThan(Number(parent.ts));

    expect(world().slackMessages).to.have.length(before + 2);
    expect(world().slackMessages.at(-1)).to.include({ text: 'ETA 10 minutes', threadTs: parent.ts });
    const sent = await deliveries('slack_message');
    expect(sent.map((d) => d.detail)).to.deep.equal([
      {
        channel: dispatch.id,
        channelName: 'dispatch',
        ts: parent.ts,
        threadTs: null,
        text: 'Crew 2 is running late',
        user: SLACK_IDENTITY.botUserId,
      },
      {
        channel: dispatch.id,
        channelName: 'dispatch',
        ts: reply.ts,
        threadTs: parent.ts,
        text: 'ETA 10 minutes',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*ETA* 10 minutes' } }],
        user: SLACK_IDENTITY.botUserId,
      },
    ]);

    const history = await client().conversations.history({ channel: dispatch.id, limit: 1 });
    expect(history.messages?.[0]).to.include({ ts: parent.ts, reply_count: 1, latest_reply: reply.ts });
    const thread = await client().conversations.replies({ channel: dispatch.id, ts: parent.ts! });
    expect(thread.messages?.map((m) => m.text)).to.deep.equal(['Crew 2 is running late', 'ETA 10 minutes']);
    expect(thread.messages?.[1]?.blocks).to.have.length(1);
  });

  it('chat.postMessage rejects unknown channels, empty messages and unknown threads', async () => {
    const general = world().slackChannels[0]!.id;
    const cases: Array<[Parameters<WebClient['chat']['postMessage']>[0], string]> = [
      [{ channel: 'C0NOPE', text: 'hi' }, 'channel_not_found'],
      [{ channel: general, text: '' }, 'no_text'],
      [{ channel: general, text: 'x'.repeat(40_001) }, 'msg_too_long'],
      [{ channel: general, text: 'hi', thread_ts: '1.000001' }, 'thread_not_found'],
    ];
    for (const [args, code] of cases) {
      const error = await rejection<WebAPIPlatformError>(client().chat.postMessage(args));
      expect(error.data.error, code).to.equal(code);
    }
    expect(await deliveries('slack_message')).to.have.length(0);
  });

  it('reactions.add adds a reaction once and then answers already_reacted', async () => {
    const message = world().slackMessages[3]!;
    const channel = world().slackChannels[message.channelKey]!;
    expect(await client().reactions.add({ channel: channel.id, timestamp: message.ts, name: 'thumbsup' })).to.include({
      ok: true,
    });
    const again = await rejection<WebAPIPlatformError>(
      client().reactions.add({ channel: channel.id, timestamp: message.ts, name: 'thumbsup' }),
    );
    expect(again.data.error).to.equal('already_reacted');
    const missing = await rejection<WebAPIPlatformError>(
      client().reactions.add({ channel: channel.id, timestamp: '1.000000', name: 'thumbsup' }),
    );
    expect(missing.data.error).to.equal('message_not_found');
    const page = await client().conversations.history({
      channel: channel.id,
      latest: message.ts,
      inclusive: true,
      limit: 1,
    });
    expect(page.messages?.[0]?.reactions).to.deep.equal([
      { name: 'thumbsup', users: [SLACK_IDENTITY.botUserId], count: 1 },
    ]);
  });

  it('filesUploadV2 runs the three-step upload end to end and records a file delivery', async () => {
    const channel = world().slackChannels[4]!;
    const content = Buffer.from('invoice,total\n1001,250.00\n');
    const result = await client().filesUploadV2({
      channel_id: channel.id,
      file: content,
      filename: 'invoices.csv',
      initial_comment: 'Weekly invoices',
    });
    const completion = result.files[0] as unknown as { files: Array<{ id: string; name: string; size: number }> };
    const file = completion.files[0]!;
    expect(file).to.include({ name: 'invoices.csv', size: content.length });
    expect(file.id).to.match(/^F[0-9A-Z]{10}$/);
    const [delivery] = await deliveries('file');
    expect(delivery?.detail).to.include({
      fileId: file.id,
      filename: 'invoices.csv',
      size: content.length,
      declaredLength: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      channel: channel.id,
      initialComment: 'Weekly invoices',
    });
    const history = await client().conversations.history({ channel: channel.id, limit: 1 });
    expect(history.messages?.[0]).to.include({ text: 'Weekly invoices' });
    expect(history.messages?.[0]?.files?.map((f) => f.id)).to.deep.equal([file.id]);

    const unknown = await rejection<WebAPIPlatformError>(
      client().files.completeUploadExternal({ files: [{ id: 'F0000000000' }] }),
    );
    expect(unknown.data.error).to.equal('file_not_found');
  });

  it('files.completeUploadExternal shares with blocks, and ignores them next to initial_comment', async () => {
    const channel = world().slackChannels[3]!;
    const blocks = [{ type: 'section', block_id: 'marker-1', text: { type: 'mrkdwn', text: 'Signed quote' } }];
    const shared = await client().filesUploadV2({
      channel_id: channel.id,
      file: Buffer.from('%PDF-1.4'),
      filename: 'quote.pdf',
      blocks,
    });
    const fileId = (shared.files[0] as unknown as { files: Array<{ id: string }> }).files[0]!.id;
    const [latest] = (await client().conversations.history({ channel: channel.id, limit: 1 })).messages ?? [];
    expect(latest?.blocks).to.deep.equal(blocks);
    expect(latest?.files?.map((file) => file.id)).to.deep.equal([fileId]);
    expect((await deliveries('file'))[0]?.detail.blocks).to.deep.equal(blocks);

    await client().filesUploadV2({
      channel_id: channel.id,
      file: Buffer.from('%PDF-1.4'),
      filename: 'quote-2.pdf',
      initial_comment: 'Here it is',
      blocks,
    });
    const [commented] = (await client().conversations.history({ channel: channel.id, limit: 1 })).messages ?? [];
    expect(commented).to.include({ text: 'Here it is' });
    expect(commented?.blocks).to.equal(undefined);

    const invalid = await rejection<WebAPIPlatformError>(
      client().filesUploadV2({
        channel_id: channel.id,
        file: Buffer.from('x'),
        filename: 'x.txt',
        blocks: [{ text: 'no type' }] as unknown as typeof blocks,
      }),
    );
    expect(invalid.data.error).to.equal('invalid_blocks');
  });

  it('throttles per tier with 429 and Retry-After when rate limits are on', async () => {
    await control('/settings', { rateLimits: true });
    for (let call = 0; call < 3; call += 1) await client().conversations.list();
    const limited = await rejection<WebAPIRateLimitedError>(client().conversations.list());
    expect(limited.code).to.equal(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).to.be.within(1, 10);
    // Another method has its own budget; chat.postMessage counts per channel.
    expect((await client().auth.test()).ok).to.equal(true);
    const [first, second] = world().slackChannels;
    await client().chat.postMessage({ channel: first!.id, text: 'one' });
    await client().chat.postMessage({ channel: first!.id, text: 'two' });
    const perChannel = await rejection<WebAPIRateLimitedError>(
      client().chat.postMessage({ channel: first!.id, text: 'three' }),
    );
    expect(perChannel.code).to.equal(ErrorCode.RateLimitedError);
    expect((await client().chat.postMessage({ channel: second!.id, text: 'elsewhere' })).ok).to.equal(true);
    await control('/settings', { rateLimits: false });
    expect((await client().conversations.list()).ok).to.equal(true);
  });

  it('renders control-API faults as Slack 429s and 500s', async () => {
    await control('/faults', { vendor: 'slack', endpoint: 'chat.postMessage', throttleRate: 1, times: 1 });
    const general = world().slackChannels[0]!.id;
    const throttled = await rejection<WebAPIRateLimitedError>(
      client().chat.postMessage({ channel: general, text: 'x' }),
    );
    expect(throttled.code).to.equal(ErrorCode.RateLimitedError);
    expect(throttled.retryAfter).to.equal(1);
    await control('/faults', { vendor: 'slack', endpoint: 'auth.test', errorRate: 1, times: 1 });
    const failed = await rejection<Error & { code: string; statusCode: number }>(client().auth.test());
    expect(failed.code).to.equal(ErrorCode.HTTPError);
    expect(failed.statusCode).to.equal(500);
    expect((await client().auth.test()).ok).to.equal(true);
  });

  it('drops minted state on reset', async () => {
    const message = world().slackMessages[0]!;
    const channel = world().slackChannels[message.channelKey]!.id;
    await client().reactions.add({ channel, timestamp: message.ts, name: 'eyes' });
    await client().chat.postMessage({ channel, text: 'gone after reset' });
    const count = world().slackMessages.length;
    await control('/reset', {});
    expect(world().slackMessages.length).to.equal(count - 1);
    // The regenerated world is dated from the reset, so read the same message again rather than reuse its old ts.
    const again = world().slackMessages[0]!;
    const sameChannel = world().slackChannels[again.channelKey]!.id;
    expect((await client().reactions.add({ channel: sameChannel, timestamp: again.ts, name: 'eyes' })).ok).to.equal(
      true,
    );
  });
});
