import { expect } from 'chai';
import { Redis } from 'ioredis';
import { mentionReplyId } from '../../activities/slack-mentions.activities.js';
import { Message, SyncLog, VendorConnection } from '../../db/entities/index.js';
import { visibleReactions } from '../../db/repositories/message-reactions.js';
import { slackMentionOf, slackReactionOf, type SlackEnvelope } from '../../integrations/slack/webhook.js';
import type { SlackMessage } from '../../sandbox/core/world.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createSlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { startSlackMentionHandling, startSlackReactionTracking } from '../../temporal/slack-event-starters.js';
import { SYNC_CATALOG } from '../../temporal/sync-catalog.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import { EVENTS_CHANNEL } from '../../worker/event-publisher.js';
import type { SlackMentionInput } from '../../workflows/handle-slack-mention.js';
import type { SlackReactionInput } from '../../workflows/track-slack-reaction.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';
import { until } from '../support/worker-process.js';

const callback = (event: Record<string, unknown>): SlackEnvelope => ({
  type: 'event_callback',
  team_id: 'T1',
  event_id: 'Ev1',
  event: event as SlackEnvelope['event'],
});

describe('Slack event parsers (integrations/slack/webhook.ts)', () => {
  it('reads an app_mention, with the thread root only when it is a reply, and skips bots and malformed events', () => {
    const mention = { type: 'app_mention', channel: 'C1', user: 'U1', text: '<@UBOT> status', ts: '1700000000.000100' };
    expect(slackMentionOf(callback(mention))).to.deep.equal({
      channel: 'C1',
      ts: '1700000000.000100',
      threadTs: null,
      user: 'U1',
      text: '<@UBOT> status',
    });
    expect(slackMentionOf(callback({ ...mention, thread_ts: '1699999999.000001' }))?.threadTs).to.equal(
      '1699999999.000001',
    );
    expect(slackMentionOf(callback({ ...mention, thread_ts: mention.ts }))?.threadTs).to.equal(null);
    expect(slackMentionOf(callback({ ...mention, bot_id: 'B1' }))).to.equal(null);
    expect(slackMentionOf(callback({ ...mention, ts: 'yesterday' }))).to.equal(null);
    expect(slackMentionOf(callback({ ...mention, type: 'message' }))).to.equal(null);
    expect(slackMentionOf({ type: 'url_verification', challenge: 'x' })).to.equal(null);
  });

  it('reads reaction_added and reaction_removed on messages only', () => {
    const added = {
      type: 'reaction_added',
      user: 'U2',
      reaction: 'thumbsup',
      item: { type: 'message', channel: 'C1', ts: '1700000000.000100' },
      item_user: 'U1',
      event_ts: '1700000005.000200',
    };
    expect(slackReactionOf(callback(added))).to.deep.equal({
      action: 'added',
      reaction: 'thumbsup',
      user: 'U2',
      channel: 'C1',
      ts: '1700000000.000100',
      eventTs: '1700000005.000200',
    });
    expect(slackReactionOf(callback({ ...added, type: 'reaction_removed' }))?.action).to.equal('removed');
    expect(slackReactionOf(callback({ ...added, item: { type: 'file', file: 'F1' } }))).to.equal(null);
    expect(slackReactionOf(callback({ ...added, reaction: '@applied' }))).to.equal(null);
    expect(slackReactionOf(callback({ ...added, event_ts: undefined }))).to.equal(null);
  });
});

describe('Slack onReaction and onMention as workflows (real Temporal, PostgreSQL, Slack and Jobber sandboxes)', function () {
  this.timeout(180_000);
  let fixture: SyncFixture;
  let subscriber: Redis;
  const published: Array<{ event: string; payload: Record<string, unknown> }> = [];
  const client = () => getHarness().temporalClient;

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createSlackSimulator, createJobberSimulator],
      vendors: ['slack', 'jobber'],
    });
    subscriber = new Redis(getHarness().redisUrl);
    subscriber.on('message', (_channel: string, text: string) => published.push(JSON.parse(text)));
    await subscriber.subscribe(EVENTS_CHANNEL);
  });

  after(async () => {
    subscriber?.disconnect();
    await fixture?.close();
  });

  describe('trackSlackReaction', () => {
    const channel = 'C0REACT';
    let messageId: string;
    let clock = 1_700_000_000;

    before(async () => {
      const em = getHarness().orm.em.fork();
      const row = em.create(Message, {
        channel: 'slack',
        direction: 'inbound',
        status: 'received',
        vendor: 'slack',
        connection: fixture.connections.slack!.id,
        body: 'Crew is on site',
        slackChannel: channel,
        slackTs: '1699999999.000100',
      });
      await em.flush();
      messageId = row.id;
    });

    const reaction = (
      action: 'added' | 'removed',
      user: string,
      eventTs = `${++clock}.000000`,
    ): SlackReactionInput => ({
      connectionId: fixture.connections.slack!.id,
      action,
      reaction: 'thumbsup',
      user,
      channel,
      ts: '1699999999.000100',
      eventTs,
    });

    async function track(input: SlackReactionInput): Promise<{ applied: boolean }> {
      const workflowId = await startSlackReactionTracking(client(), fixture.taskQueue, input);
      return client().workflow.getHandle(workflowId).result();
    }

    async function stored(): Promise<Record<string, unknown>> {
      const row = await getHarness().orm.em.fork().findOneOrFail(Message, { id: messageId });
      return row.reactions;
    }

    it('adds and removes users per emoji, drops an emoji with its last user, and announces each change', async () => {
      expect(await track(reaction('added', 'U1'))).to.deep.equal({ applied: true });
      expect(await track(reaction('added', 'U2'))).to.deep.equal({ applied: true });
      expect(visibleReactions(await stored())).to.deep.equal({ thumbsup: ['U1', 'U2'] });
      await until(
        async () =>
          published.some(
            ({ event, payload }) =>
              event === 'message.status' &&
              payload.id === messageId &&
              JSON.stringify(payload.reactions) === JSON.stringify({ thumbsup: ['U1', 'U2'] }),
          ),
        'the reaction change to be published',
        10_000,
      );

      expect(await track(reaction('removed', 'U1'))).to.deep.equal({ applied: true });
      expect(visibleReactions(await stored())).to.deep.equal({ thumbsup: ['U2'] });
      expect(await track(reaction('removed', 'U2'))).to.deep.equal({ applied: true });
      expect(visibleReactions(await stored())).to.deep.equal({});
    });

    it('applies the same event once, however it is delivered again', async () => {
      const event = reaction('added', 'U3');
      const first = await startSlackReactionTracking(client(), fixture.taskQueue, event);
      expect(await startSlackReactionTracking(client(), fixture.taskQueue, event)).to.equal(first);
      expect(await client().workflow.getHandle(first).result()).to.deep.equal({ applied: true });
      expect(await startSlackReactionTracking(client(), fixture.taskQueue, event)).to.equal(first);
      const before = await stored();

      // A second run of the same event (as after Temporal forgot the first) finds it applied in the row itself.
      const again = await client().workflow.execute('trackSlackReaction', {
        workflowId: `${first}:again`,
        taskQueue: fixture.taskQueue,
        args: [event],
      });
      expect(again).to.deep.equal({ applied: false });
      expect(await stored()).to.deep.equal(before);
      expect(visibleReactions(before)).to.deep.equal({ thumbsup: ['U3'] });
    });

    it('orders an add and a remove of one reaction by event time, not arrival', async () => {
      const addedAt = `${++clock}.000000`;
      const removedAt = `${++clock}.000000`;
      expect(await track(reaction('removed', 'U4', removedAt))).to.deep.equal({ applied: true });
      expect(await track(reaction('added', 'U4', addedAt))).to.deep.equal({ applied: false });
      expect(visibleReactions(await stored())).to.deep.equal({ thumbsup: ['U3'] });
      expect(await track(reaction('added', 'U4'))).to.deep.equal({ applied: true });
      expect(visibleReactions(await stored())).to.deep.equal({ thumbsup: ['U3', 'U4'] });
    });

    it('completes without applying anything for a message we do not store', async () => {
      expect(await track({ ...reaction('added', 'U1'), ts: '1600000000.000001' })).to.deep.equal({ applied: false });
    });
  });

  describe('handleSlackMention', () => {
    const lastSyncedAt = new Date('2026-11-30T08:15:00.000Z');
    let roots: SlackMessage[];

    before(async () => {
      const em = getHarness().orm.em.fork();
      const jobber = await em.findOneOrFail(VendorConnection, { id: fixture.connections.jobber!.id });
      jobber.displayName = 'Jobber <Field Crew>';
      jobber.lastSyncedAt = lastSyncedAt;
      const slack = await em.findOneOrFail(VendorConnection, { id: fixture.connections.slack!.id });
      slack.displayName = 'Crew Slack';
      await em.flush();
      roots = fixture.running.sandbox.world.slackMessages.filter((message) => message.threadTs === null);
    });

    /** A mention posted as the top-level world message `index`: the reply goes into its thread. */
    function mention(index: number, text: string): SlackMentionInput {
      const root = roots[index]!;
      return {
        connectionId: fixture.connections.slack!.id,
        channel: fixture.running.sandbox.world.slackChannels[root.channelKey]!.id,
        ts: root.ts,
        threadTs: null,
        user: 'U0ASKER',
        text,
      };
    }

    async function handle(input: SlackMentionInput): Promise<{ command: string; messageId: string }> {
      const workflowId = await startSlackMentionHandling(client(), fixture.taskQueue, input);
      return client().workflow.getHandle(workflowId).result();
    }

    async function repliesIn(input: SlackMentionInput): Promise<Array<{ text: string; user: string }>> {
      const reply = await fetch(`${fixture.running.controlUrl}/_sandbox/deliveries?vendor=slack&kind=slack_message`);
      const { deliveries } = (await reply.json()) as {
        deliveries: Array<{ detail: { channel: string; threadTs: string | null; text: string; user: string } }>;
      };
      return deliveries
        .map((entry) => entry.detail)
        .filter((detail) => detail.channel === input.channel && detail.threadTs === input.ts);
    }

    /** Waits for the reply's delivery (the abandoned child) to finish, then returns what Slack got in the thread. */
    async function deliveredReplies(input: SlackMentionInput) {
      const messageId = mentionReplyId(input.channel, input.ts);
      expect(await client().workflow.getHandle(workflowIds.message(messageId)).result()).to.deep.equal({
        status: 'delivered',
      });
      return repliesIn(input);
    }

    it('answers `status` once in the thread, with each connection, its state and its last successful sync', async () => {
      const input = mention(0, '<@U0BOT> Status');
      const result = await handle(input);
      expect(result).to.deep.equal({ command: 'status', messageId: mentionReplyId(input.channel, input.ts) });
      const replies = await deliveredReplies(input);
      expect(replies).to.have.length(1);
      const text = replies[0]!.text;
      expect(text).to.contain('*Jobber &lt;Field Crew&gt;* (jobber): connected, last synced <!date^');
      expect(text).to.contain(`|${lastSyncedAt.toISOString()}>`);
      expect(text).to.contain('*Crew Slack* (slack): connected');
      expect(text).not.to.contain('(slack): connected,');

      const row = await getHarness().orm.em.fork().findOneOrFail(Message, { id: result.messageId });
      expect(row).to.include({ direction: 'outbound', status: 'delivered', vendorThreadId: input.ts, body: text });
      expect(row.slackTs).to.match(/^\d+\.\d+$/);
    });

    it('posts once when the same mention is started twice, or handled again by a second run', async () => {
      const input = mention(1, '<@U0BOT> help');
      const first = await startSlackMentionHandling(client(), fixture.taskQueue, input);
      expect(await startSlackMentionHandling(client(), fixture.taskQueue, input)).to.equal(first);
      const { messageId } = await client().workflow.getHandle(first).result();
      expect(await deliveredReplies(input)).to.have.length(1);
      expect(await startSlackMentionHandling(client(), fixture.taskQueue, input)).to.equal(first);

      const rerun = await client().workflow.execute('handleSlackMention', {
        workflowId: `${first}:again`,
        taskQueue: fixture.taskQueue,
        args: [input],
      });
      expect(rerun).to.deep.equal({ command: 'help', messageId });
      expect(await deliveredReplies(input)).to.have.length(1);
      expect(
        await getHarness().orm.em.fork().count(Message, { vendorThreadId: input.ts, direction: 'outbound' }),
      ).to.equal(1);
    });

    it('answers an unknown command with the command list', async () => {
      const input = mention(2, '<@U0BOT> dance please');
      expect((await handle(input)).command).to.equal('help');
      const [reply] = await deliveredReplies(input);
      expect(reply!.text).to.match(/^I do not know `dance please`\. Here is what I can do:/);
      expect(reply!.text).to.contain('`sync <vendor>`');
      expect(reply!.text).to.contain('`status`');
    });

    it('answers `sync` of a vendor we do not sync with the vendors we do', async () => {
      const input = mention(3, '<@U0BOT> sync twilio');
      await handle(input);
      const [reply] = await deliveredReplies(input);
      expect(reply!.text).to.equal(
        'I do not sync `twilio`. I can sync `jobber`, `quickbooks`, `google`, `airtable`: `sync <vendor>`.',
      );
    });

    it('`sync jobber` starts every Jobber resource, and a second one asks the running syncs for another pass', async () => {
      const jobber = fixture.connections.jobber!.id;
      const resources = SYNC_CATALOG.jobber;
      // Slow Jobber answers keep the first syncs running while the second mention arrives.
      await fixture.control('faults', { vendor: 'jobber', latencyMs: 2_000 });
      const first = mention(4, '<@U0BOT> SYNC Jobber');
      const second = { ...mention(5, '<@U0BOT> sync jobber'), user: 'U0SECOND' };
      try {
        expect((await handle(first)).command).to.equal('sync');
        expect((await handle(second)).command).to.equal('sync');
      } finally {
        await fetch(`${fixture.running.controlUrl}/_sandbox/faults?vendor=jobber`, { method: 'DELETE' });
      }

      const [started] = await deliveredReplies(first);
      expect(started!.text).to.equal(
        `Incremental jobber sync requested:\n• *Jobber &lt;Field Crew&gt;*: ${resources.map((resource) => `${resource} (started)`).join(', ')}`,
      );
      const [joined] = await deliveredReplies(second);
      expect(joined!.text).to.equal(
        `Incremental jobber sync requested:\n• *Jobber &lt;Field Crew&gt;*: ${resources.map((resource) => `${resource} (running: one more pass queued)`).join(', ')}`,
      );

      const em = getHarness().orm.em.fork();
      for (const resource of resources) {
        const syncId = workflowIds.sync(jobber, resource);
        const description = await client().workflow.getHandle(syncId).describe();
        expect(description.type).to.equal('syncConnection');
        expect((await client().workflow.getHandle(syncId).result()).done).to.equal(true);
        const steps = await em.find(SyncLog, { workflowId: syncId, step: 'started' });
        const reasons = steps.flatMap((step) =>
          ((step.metadata?.requests as Array<{ reason?: string }> | undefined) ?? []).map((request) => request.reason),
        );
        expect(reasons, resource).to.include('slack mention by U0SECOND');
      }
    });
  });
});
