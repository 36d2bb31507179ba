import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { VendorError, VendorErrorKind } from '../../integrations/core/errors.js';
import { createSlackClient, type SlackClient, type SlackClientOptions } from '../../integrations/slack/client.js';
import { MARKER_EVENT_TYPE, parseMessage } from '../../integrations/slack/payloads.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { SLACK_IDENTITY, slackSimulator } from '../../sandbox/vendors/slack/index.js';
import { expectVendorError, sandboxControl, vendorFailure } from '../support/vendor-testing.js';

/*
 * The Slack client against the Slack simulator over real HTTP (@slack/web-api pointed at it with its documented
 * slackApiUrl). Sends are checked in the sandbox's delivery log, not through the client that made them.
 */

interface Delivery {
  detail: Record<string, unknown>;
}

/** Not Slack's usual 1 s, so the test tells the vendor's Retry-After from the client's fallback. */
const FAULT_RETRY_AFTER_S = 7;

describe('integrations: Slack client', function () {
  let running: RunningSandbox;
  let apiUrl: string;
  let channel: string;

  const client = (options: Partial<SlackClientOptions> = {}): SlackClient =>
    createSlackClient({ token: SLACK_IDENTITY.botToken, endpointUrl: apiUrl, timeoutMs: 5_000, ...options });

  const control = (path: string, body?: unknown) => sandboxControl(running.controlUrl)(path, body);

  const deliveries = async (kind: string) =>
    (await control(`/deliveries?vendor=slack&kind=${kind}`)).deliveries as Delivery[];

  const rejection = vendorFailure;

  const expectKind = (error: VendorError, kind: VendorErrorKind, retryable: boolean) =>
    expectVendorError(error, 'slack', kind, retryable);

  before(async () => {
    running = await startSandbox({
      factories: [slackSimulator({ rateLimits: { faultRetryAfterSeconds: FAULT_RETRY_AFTER_S } })],
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
    channel = running.sandbox.world.slackChannels[0]!.id;
  });

  it('posts a message that the sandbox delivers once, with its text and channel', async () => {
    const sent = await client().sendMessage({ channel, text: 'Job 42 is scheduled', idempotencyKey: 'msg-1' });
    const log = await deliveries('slack_message');
    expect(log).to.have.length(1);
    expect(log[0]!.detail).to.include({ channel, ts: sent.ts, text: 'Job 42 is scheduled', threadTs: null });
    expect(sent).to.deep.equal({ channel, ts: sent.ts, threadTs: null });
  });

  it('replies in a thread and reads the thread back', async () => {
    const slack = client();
    const root = await slack.sendMessage({ channel, text: 'Quote Q-7', idempotencyKey: 'msg-root' });
    const reply = await slack.sendMessage({ channel, text: 'Approved', threadTs: root.ts, idempotencyKey: 'msg-r' });
    const log = await deliveries('slack_message');
    expect(log.map((entry) => entry.detail.threadTs)).to.deep.equal([null, root.ts]);
    const thread = await slack.getThreadReplies({ channel, threadTs: root.ts });
    expect(thread.items.map((message) => [message.ts, message.text, message.idempotencyKey])).to.deep.equal([
      [root.ts, 'Quote Q-7', 'msg-root'],
      [reply.ts, 'Approved', 'msg-r'],
    ]);
    expect(thread.nextCursor).to.equal(null);
  });

  it('findSent finds a sent key in the vendor history and not an unsent one', async () => {
    const slack = client();
    const before = new Date(Date.now() - 1_000);
    await slack.sendMessage({ channel, text: 'first', idempotencyKey: 'msg-a' });
    const sent = await slack.sendMessage({ channel, text: 'second', idempotencyKey: 'msg-b' });
    await slack.sendMessage({ channel, text: 'third', idempotencyKey: 'msg-c' });
    expect(await slack.findSent({ channel, idempotencyKey: 'msg-b' })).to.deep.equal(sent);
    expect(await slack.findSent({ channel, idempotencyKey: 'msg-b', oldest: before })).to.deep.equal(sent);
    expect(await slack.findSent({ channel, idempotencyKey: 'msg-never-sent' })).to.equal(null);
    // A key that is a prefix of a sent one is a different send.
    expect(await slack.findSent({ channel, idempotencyKey: 'msg' })).to.equal(null);
    // Another channel's history does not hold it.
    const other = running.sandbox.world.slackChannels[1]!.id;
    expect(await slack.findSent({ channel: other, idempotencyKey: 'msg-b' })).to.equal(null);
  });

  it('findSent finds thread replies only where they were posted', async () => {
    const slack = client();
    const root = await slack.sendMessage({ channel, text: 'root', idempotencyKey: 'msg-root' });
    const reply = await slack.sendMessage({ channel, text: 'reply', threadTs: root.ts, idempotencyKey: 'msg-reply' });
    expect(await slack.findSent({ channel, threadTs: root.ts, idempotencyKey: 'msg-reply' })).to.deep.equal(reply);
    // History lists top-level messages only, which is why a threaded send must say where it went.
    expect(await slack.findSent({ channel, idempotencyKey: 'msg-reply' })).to.equal(null);
  });

  it('findSent reports "cannot tell" instead of "not sent" when it runs out of pages', async () => {
    await client().sendMessage({ channel, text: 'x', idempotencyKey: 'msg-x' });
    const older = running.sandbox.world.slackMessages.filter(
      (m) => m.channelKey === running.sandbox.world.slackChannels[0]!.key && !m.threadTs,
    ).length;
    expect(older, 'the seeded channel has more than three top-level messages').to.be.greaterThan(3);
    // Three pages of one message each: the newest send is found, an unsent key is not proven absent.
    const shortSight = client({ historyPageSize: 1, findSentMaxPages: 3 });
    expect(await shortSight.findSent({ channel, idempotencyKey: 'msg-x' })).to.not.equal(null);
    expectKind(await rejection(shortSight.findSent({ channel, idempotencyKey: 'msg-y' })), 'conflict', false);
    // Reading every page (following cursors) proves it absent.
    const patient = client({ historyPageSize: 50, findSentMaxPages: 1000 });
    expect(await patient.findSent({ channel, idempotencyKey: 'msg-y' })).to.equal(null);
  });

  it('reads history newest first with the send marker', async () => {
    const slack = client();
    const sent = await slack.sendMessage({ channel, text: 'latest', idempotencyKey: 'msg-h' });
    const page = await slack.getConversationHistory({ channel, limit: 2 });
    expect(page.items).to.have.length(2);
    expect(page.items[0]).to.include({
      ts: sent.ts,
      text: 'latest',
      idempotencyKey: 'msg-h',
      user: SLACK_IDENTITY.botUserId,
    });
    expect(page.items[1]!.idempotencyKey).to.equal(null);
    const next = await slack.getConversationHistory({ channel, limit: 2, cursor: page.nextCursor! });
    expect(next.items[0]!.ts < page.items[1]!.ts).to.equal(true);
  });

  it('uploads a file to a channel through files upload v2', async () => {
    const data = Buffer.from('job 42 checklist\n');
    const { fileIds } = await client().uploadFile({
      channel,
      filename: 'checklist.txt',
      data,
      title: 'Checklist',
      idempotencyKey: 'msg-file-1',
    });
    const log = await deliveries('file');
    expect(log).to.have.length(1);
    expect(log[0]!.detail).to.include({
      fileId: fileIds[0],
      channel,
      title: 'Checklist',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  });

  it('findUploadedFile finds an upload by its key, in the channel or the thread it was shared to', async () => {
    const slack = client();
    const before = new Date(Date.now() - 1_000);
    const data = Buffer.from('%PDF-1.4 quote');
    const uploaded = await slack.uploadFile({
      channel,
      filename: 'quote.pdf',
      data,
      initialComment: 'Your signed quote',
      idempotencyKey: 'msg-doc-1',
    });
    const found = await slack.findUploadedFile({ channel, idempotencyKey: 'msg-doc-1', oldest: before });
    expect(found).to.deep.include({ channel, threadTs: null, fileIds: uploaded.fileIds });
    expect(found!.ts).to.be.a('string');
    // The comment still reaches people: it is the text of the share message's marked block.
    const [share] = (await slack.getConversationHistory({ channel, limit: 1 })).items;
    expect(share).to.include({ ts: found!.ts, idempotencyKey: 'msg-doc-1' });
    const [delivery] = await deliveries('file');
    expect(JSON.stringify(delivery!.detail.blocks)).to.include('Your signed quote');

    expect(await slack.findUploadedFile({ channel, idempotencyKey: 'msg-doc-never' })).to.equal(null);
    // A plain message with a key is not an upload.
    await slack.sendMessage({ channel, text: 'no file here', idempotencyKey: 'msg-doc-2' });
    expect(await slack.findUploadedFile({ channel, idempotencyKey: 'msg-doc-2' })).to.equal(null);

    const root = await slack.sendMessage({ channel, text: 'Quote Q-9', idempotencyKey: 'msg-doc-root' });
    const threaded = await slack.uploadFile({
      channel,
      threadTs: root.ts,
      filename: 'q9.pdf',
      data,
      idempotencyKey: 'msg-doc-3',
    });
    const inThread = await slack.findUploadedFile({ channel, threadTs: root.ts, idempotencyKey: 'msg-doc-3' });
    expect(inThread).to.deep.include({ threadTs: root.ts, fileIds: threaded.fileIds });
    expect(await slack.findUploadedFile({ channel, idempotencyKey: 'msg-doc-3' })).to.equal(null);
  });

  it('reads the marker from message metadata, which real Slack returns and the sandbox does not model', () => {
    const withMetadata = (eventType: string) =>
      parseMessage({
        type: 'message',
        ts: '1712345678.000100',
        text: 'hi',
        metadata: { event_type: eventType, event_payload: { idempotency_key: 'msg-meta' } },
      }).idempotencyKey;
    expect(withMetadata(MARKER_EVENT_TYPE)).to.equal('msg-meta');
    expect(withMetadata('someone_elses_event')).to.equal(null);
  });

  describe('error mapping', () => {
    it('a 429 is rate_limited with the vendor delay', async () => {
      await control('/faults', { vendor: 'slack', endpoint: 'chat.postMessage', throttleRate: 1, times: 1 });
      const error = await rejection(client().sendMessage({ channel, text: 'x', idempotencyKey: 'msg-429' }));
      expectKind(error, 'rate_limited', true);
      expect(error.details.retryAfterMs).to.equal(FAULT_RETRY_AFTER_S * 1000);
      expect(await deliveries('slack_message')).to.have.length(0);
    });

    it('a 500 is transient', async () => {
      await control('/faults', { vendor: 'slack', endpoint: 'chat.postMessage', errorRate: 1, times: 1 });
      const error = await rejection(client().sendMessage({ channel, text: 'x', idempotencyKey: 'msg-500' }));
      expectKind(error, 'transient', true);
      expect(error.details.status).to.equal(500);
    });

    it('an unreachable API is transient', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address();
          server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });
      const unreachable = client({ endpointUrl: `http://127.0.0.1:${port}/api/` });
      expectKind(await rejection(unreachable.getConversationHistory({ channel })), 'transient', true);
    });

    it('a bad token is auth_revoked', async () => {
      const error = await rejection(client({ token: 'xoxb-not-a-token' }).getConversationHistory({ channel }));
      expectKind(error, 'auth_revoked', false);
      expect(error.details.code).to.equal('invalid_auth');
    });

    it('an unknown channel is not_found and an empty message is validation, neither retryable', async () => {
      const slack = client();
      const missing = await rejection(slack.sendMessage({ channel: 'C0NOSUCHONE', text: 'x', idempotencyKey: 'k1' }));
      expectKind(missing, 'not_found', false);
      expect(missing.details.code).to.equal('channel_not_found');
      const empty = await rejection(slack.sendMessage({ channel, text: '', idempotencyKey: 'k2' }));
      expectKind(empty, 'validation', false);
      expect(empty.details.code).to.equal('no_text');
      expect(await deliveries('slack_message')).to.have.length(0);
    });

    it('an unusable idempotency key is refused before calling Slack', async () => {
      const error = await rejection(client().sendMessage({ channel, text: 'x', idempotencyKey: 'k'.repeat(300) }));
      expectKind(error, 'validation', false);
      expect(await deliveries('slack_message')).to.have.length(0);
      const upload = client().uploadFile({ channel, filename: 'a.txt', data: Buffer.from('a'), idempotencyKey: '' });
      expectKind(await rejection(upload), 'validation', false);
      expect(await deliveries('file')).to.have.length(0);
    });
  });
});
