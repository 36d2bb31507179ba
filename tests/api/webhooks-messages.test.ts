import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { expect } from 'chai';
import twilio from 'twilio';
import type { ConnectionSecrets } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import type { Vendor } from '../../db/entities/enums.js';
import { Client, Message, SecurityEvent, VendorConnection, WebhookEvent } from '../../db/entities/index.js';
import { visibleReactions } from '../../db/repositories/message-reactions.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createSendgridSimulator } from '../../sandbox/vendors/sendgrid/index.js';
import { slackSignature } from '../../sandbox/vendors/slack/signing.js';
import { SLACK_IDENTITY, slackSimulator, type SlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { twilioPhone } from '../../sandbox/vendors/twilio/history.js';
import { twilioSimulatorWith } from '../../sandbox/vendors/twilio/index.js';
import { freePort } from '../../scripts/services/ports.js';
import { sandboxConnection } from '../../scripts/sandbox-connections.js';
import { startMessageDelivery } from '../../temporal/action-starters.js';
import { expectError, startTestApi, type Reply, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { eventually } from '../support/eventually.js';

/*
 * The three message receivers against the real stack: vendor simulators post their signed webhooks over HTTP to a
 * real API server, which signals or starts workflows on a real worker; assertions read the messages table.
 */

type Info = Record<string, unknown>;

function p256KeyPair(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

describe('api: webhooks that feed the message workflows (Twilio, SendGrid, Slack)', function () {
  this.timeout(120_000);
  const harness = () => getHarness();
  let api: TestApi;
  let publicBaseUrl: string;
  let running: RunningSandbox;
  let worker: TestWorker;
  let taskQueue: string;
  let info: Record<string, Info>;
  const connections: Partial<Record<Vendor, string>> = {};

  const control = async (path: string, body: unknown) => {
    const reply = await fetch(`${running.controlUrl}/_sandbox/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(reply.status, await reply.clone().text()).to.equal(200);
    return (await reply.json()) as Info;
  };

  const message = (id: string) => harness().orm.em.fork().findOneOrFail(Message, { id });

  async function storeConnection(vendor: Vendor, externalAccountId: string, secrets: ConnectionSecrets) {
    const em = harness().orm.em.fork();
    const row = em.create(VendorConnection, {
      vendor,
      externalAccountId,
      credentialsEncrypted: createCredentialsCipher(harness().config.credentialsKey).encrypt(secrets),
    });
    await em.flush();
    return row.id;
  }

  async function outbound(fields: Partial<Message> & Pick<Message, 'channel' | 'vendor'>): Promise<string> {
    const em = harness().orm.em.fork();
    const row = em.create(Message, {
      direction: 'outbound',
      connection: connections[fields.vendor!]!,
      body: 'Your crew arrives at 9',
      ...fields,
    });
    await em.flush();
    return row.id;
  }

  async function deliver(fields: Parameters<typeof outbound>[0]): Promise<string> {
    const id = await outbound(fields);
    await startMessageDelivery(harness().temporalClient, taskQueue, { id, vendor: fields.vendor ?? null });
    return id;
  }

  const securityEvents = () =>
    harness()
      .orm.em.fork()
      .find(SecurityEvent, { type: 'webhook_signature_invalid' }, { orderBy: { createdAt: 'asc' } });

  const inbound = (where: Record<string, unknown>) =>
    harness()
      .orm.em.fork()
      .find(Message, { direction: 'inbound', ...where });

  before(async () => {
    await harness().truncateAll();
    const port = await freePort();
    publicBaseUrl = `http://127.0.0.1:${port}`;
    taskQueue = harness().uniqueTaskQueue('webhooks');
    api = await startTestApi({
      config: { port, publicBaseUrl, temporal: { ...harness().config.temporal, taskQueue } },
    });
    running = await startSandbox({
      factories: [
        twilioSimulatorWith({ stepDelayMs: 100, callbackRetryDelayMs: 100 }),
        (sandbox) =>
          createSendgridSimulator(sandbox, {
            eventBatchWindowMs: 50,
            webhookRetryDelaysMs: [200],
            engagementEvents: true,
          }),
        slackSimulator({ eventRetryDelaysMs: [0, 200, 200] }),
      ],
      port: 0,
      // A seed of its own: the Twilio simulator derives inbound SIDs from the seed, and Temporal outlives the tables.
      seed: Math.floor(Math.random() * 1_000_000_000),
      scale: 'small',
    });
    await control('settings', {
      rateLimits: false,
      webhookUrls: {
        twilio: `${publicBaseUrl}/api/webhooks/twilio`,
        sendgrid: `${publicBaseUrl}/api/webhooks/sendgrid`,
        slack: `${publicBaseUrl}/api/webhooks/slack`,
      },
    });
    info = ((await (await fetch(`${running.controlUrl}/_sandbox`)).json()) as { vendors: Record<string, Info> })
      .vendors;
    for (const vendor of ['twilio', 'sendgrid', 'slack'] as const) {
      const { externalAccountId, secrets } = sandboxConnection(vendor, info[vendor]!);
      connections[vendor] = await storeConnection(vendor, externalAccountId, secrets);
    }
    worker = await startTestWorker(taskQueue, { publicBaseUrl });
  });

  after(async () => {
    await worker?.stop();
    await running?.close();
    await api?.close();
  });

  describe('Twilio', () => {
    const twilioUrl = () => `${publicBaseUrl}/api/webhooks/twilio`;
    const authToken = () => info.twilio!.authToken as string;
    const accountSid = () => info.twilio!.accountSid as string;

    function postForm(params: Record<string, string>, signature: string | null, url = twilioUrl()): Promise<Reply> {
      return api.call(new URL(url).pathname + new URL(url).search, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
        },
        body: new URLSearchParams(params).toString(),
      });
    }

    it('moves an SMS to delivered through the status callbacks the sandbox signs and posts', async () => {
      const id = await deliver({ channel: 'sms', vendor: 'twilio', toAddress: '+15125550123' });
      const row = await eventually(
        () => message(id),
        (current) => current.status === 'delivered',
      );
      expect(row.status).to.equal('delivered');
      expect(row.vendorStatus).to.equal('delivered');
      expect(row.twilioSid).to.match(/^SM[0-9a-f]{32}$/);
      expect(row.sentAt).to.be.instanceOf(Date);
      expect(row.deliveredAt).to.be.instanceOf(Date);
      // The callbacks reached the receiver through the URL the worker gave Twilio, and were answered 200.
      const { deliveries } = (await (
        await fetch(`${running.controlUrl}/_sandbox/deliveries?vendor=twilio&kind=webhook`)
      ).json()) as { deliveries: Array<{ detail: { url?: string; status?: number } }> };
      const callbacks = deliveries.filter((entry) => entry.detail.url?.includes(`idempotencyKey=${id}`));
      expect(callbacks.map((entry) => entry.detail.status)).to.deep.equal([200, 200]);
    });

    it("fails an SMS to an unreachable handset with Twilio's error code and reason", async () => {
      const id = await deliver({ channel: 'sms', vendor: 'twilio', toAddress: '+15125550000' });
      const row = await eventually(
        () => message(id),
        (current) => current.status === 'failed',
      );
      expect(row).to.include({
        status: 'failed',
        vendorStatus: 'undelivered',
        failureCode: '30003',
        failureReason: 'Unreachable destination handset',
      });
    });

    it("verifies a request signed by the twilio package's own helper, and refuses a tampered or unsigned one", async () => {
      const delivered = await outbound({
        channel: 'sms',
        vendor: 'twilio',
        toAddress: '+15125550177',
        status: 'sent',
        twilioSid: `SM${'a'.repeat(32)}`,
      });
      const untouched = await outbound({
        channel: 'sms',
        vendor: 'twilio',
        toAddress: '+15125550178',
        status: 'sent',
        twilioSid: `SM${'b'.repeat(32)}`,
      });
      const callback = (sid: string, status: string) => ({
        AccountSid: accountSid(),
        ApiVersion: '2010-04-01',
        From: info.twilio!.phoneNumbers ? (info.twilio!.phoneNumbers as string[])[0]! : '',
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: '+15125550177',
      });
      const before = (await securityEvents()).length;

      const signed = callback(`SM${'a'.repeat(32)}`, 'delivered');
      const signature = twilio.getExpectedTwilioSignature(authToken(), twilioUrl(), signed);
      expect(twilio.validateRequest(authToken(), signature, twilioUrl(), signed)).to.equal(true);
      const accepted = await postForm(signed, signature);
      expect(accepted.status, accepted.text).to.equal(200);
      expect(accepted.headers.get('content-type')).to.match(/^text\/xml/);
      expect(accepted.text).to.match(/<Response\/>$/);
      expect(
        (
          await eventually(
            () => message(delivered),
            (row) => row.status === 'delivered',
          )
        ).status,
      ).to.equal('delivered');
      expect(await securityEvents()).to.have.length(before);
      // Signed right, but not a status Twilio has: refused by validation, after the signature held.
      const unknownStatus = callback(`SM${'b'.repeat(32)}`, 'vanished');
      expectError(
        await postForm(unknownStatus, twilio.getExpectedTwilioSignature(authToken(), twilioUrl(), unknownStatus)),
        400,
        'validation_failed',
      );

      // Same signature, another message and status: the signed fields no longer match.
      const tampered = await postForm(callback(`SM${'b'.repeat(32)}`, 'failed'), signature);
      expectError(tampered, 401, 'webhook_signature_invalid');
      const unsigned = await postForm(callback(`SM${'b'.repeat(32)}`, 'failed'), null);
      expectError(unsigned, 401, 'webhook_signature_invalid');
      // Signed with another account's token.
      const forged = callback(`SM${'b'.repeat(32)}`, 'failed');
      const wrongKey = await postForm(forged, twilio.getExpectedTwilioSignature('not-the-token', twilioUrl(), forged));
      expectError(wrongKey, 401, 'webhook_signature_invalid');

      const events = (await securityEvents()).slice(before);
      expect(events.map((event) => [event.severity, event.details?.vendor, event.details?.reason])).to.deep.equal([
        ['critical', 'twilio', 'signature_mismatch'],
        ['critical', 'twilio', 'missing_signature'],
        ['critical', 'twilio', 'signature_mismatch'],
      ]);
      expect(events[0]!.ip).to.be.a('string');
      expect((await message(untouched)).status).to.equal('sent');
    });

    it("signs over the URL with its query: a callback moved to another message's key does not verify", async () => {
      const id = await outbound({ channel: 'sms', vendor: 'twilio', toAddress: '+15125550179', status: 'sent' });
      const params = {
        AccountSid: accountSid(),
        MessageSid: `SM${'c'.repeat(32)}`,
        MessageStatus: 'delivered',
        To: '+15125550179',
      };
      const url = `${twilioUrl()}?idempotencyKey=${id}`;
      const signature = twilio.getExpectedTwilioSignature(authToken(), url, params);
      expectError(
        await postForm(params, signature, `${twilioUrl()}?idempotencyKey=${'0'.repeat(8)}`),
        401,
        'webhook_signature_invalid',
      );
      // Found by the key alone (the SID is not recorded on the row): the report still reaches its message.
      expect((await postForm(params, signature, url)).status).to.equal(200);
      const row = await eventually(
        () => message(id),
        (current) => current.status === 'delivered',
      );
      expect(row.status).to.equal('delivered');
    });

    it("records a customer's text as an inbound message linked to their client, once", async () => {
      const customerKey = running.sandbox.world.customers.findIndex((customer) => twilioPhone(customer) !== null);
      const phone = twilioPhone(running.sandbox.world.customers[customerKey]!)!;
      const em = harness().orm.em.fork();
      const client = em.create(Client, { name: 'Texting customer', phone });
      await em.flush();

      const body = `Can you come Tuesday? ${Date.now()}`;
      await control('mutate', { entity: 'sms', action: 'create', changes: { customerKey, body } });
      const rows = await eventually(
        () => inbound({ body }),
        (found) => found.length > 0,
      );
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row).to.include({ channel: 'sms', vendor: 'twilio', status: 'received', fromAddress: phone });
      expect(row.client?.id).to.equal(client.id);
      expect(row.connection?.id).to.equal(connections.twilio);
      expect(row.twilioSid).to.match(/^SM[0-9a-f]{32}$/);

      // Twilio redelivers the same text after the recording finished: answered 200, recorded nothing new.
      const redelivery = {
        AccountSid: accountSid(),
        Body: body,
        From: phone,
        MessageSid: row.twilioSid!,
        SmsSid: row.twilioSid!,
        SmsStatus: 'received',
        To: row.toAddress!,
      };
      const again = await postForm(redelivery, twilio.getExpectedTwilioSignature(authToken(), twilioUrl(), redelivery));
      expect(again.status, again.text).to.equal(200);
      expect(await inbound({ body })).to.have.length(1);
    });
  });

  describe('SendGrid', () => {
    it('moves an email to delivered (and read on its open) through the signed Event Webhook', async () => {
      const id = await deliver({
        channel: 'email',
        vendor: 'sendgrid',
        toAddress: 'pat.customer@example.com',
        subject: 'Your quote',
      });
      const row = await eventually(
        () => message(id),
        (current) => current.status === 'delivered' && current.readAt !== null && current.readAt !== undefined,
      );
      expect(row.status).to.equal('delivered');
      expect(row.sendgridId).to.be.a('string').and.not.equal('');
      expect(row.deliveredAt).to.be.instanceOf(Date);
      expect(row.readAt).to.be.instanceOf(Date);
    });

    it("fails a bounced email with SendGrid's reason", async () => {
      const id = await deliver({
        channel: 'email',
        vendor: 'sendgrid',
        toAddress: 'bounce-1@example.com',
        subject: 'Hi',
      });
      const row = await eventually(
        () => message(id),
        (current) => current.status === 'failed',
      );
      expect(row).to.include({
        status: 'failed',
        vendorStatus: 'bounce',
        failureCode: 'bounce',
        failureReason: '550 5.1.1 The email account that you tried to reach does not exist.',
      });
    });

    it('verifies a batch signed with a key pair stored on a connection, and refuses other keys or bodies', async () => {
      const keys = p256KeyPair();
      const ownConnection = await storeConnection('sendgrid', 'test-account', {
        accessToken: 'SG.test.key',
        webhook: { publicKey: keys.publicKey },
      });
      const em = harness().orm.em.fork();
      const row = em.create(Message, {
        channel: 'email',
        direction: 'outbound',
        vendor: 'sendgrid',
        connection: ownConnection,
        toAddress: 'sam@example.com',
        status: 'sent',
        sendgridId: 'test-x-message-id',
      });
      const foreign = em.create(Message, {
        channel: 'email',
        direction: 'outbound',
        vendor: 'sendgrid',
        connection: connections.sendgrid!,
        toAddress: 'kim@example.com',
        status: 'sent',
        sendgridId: 'foreign-x-message-id',
      });
      await em.flush();
      const now = Math.floor(Date.now() / 1000);
      const event = (name: string, sgMessageId: string, n: number) => ({
        email: 'sam@example.com',
        timestamp: now,
        event: name,
        sg_event_id: `test-event-${n}`,
        sg_message_id: `${sgMessageId}.filter0001.1.0`,
      });
      const post = (body: string, privateKey: KeyObject, signedBody = body) => {
        const timestamp = String(now);
        const signature = sign('sha256', Buffer.from(timestamp + signedBody), privateKey).toString('base64');
        return api.call('/api/webhooks/sendgrid', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'X-Twilio-Email-Event-Webhook-Signature': signature,
            'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
          },
          body,
        });
      };
      const before = (await securityEvents()).length;

      // A report about another connection's message is ignored: an account reports only on its own sends.
      const batch = JSON.stringify([
        event('processed', 'test-x-message-id', 1),
        event('delivered', 'test-x-message-id', 2),
        event('open', 'test-x-message-id', 3),
        event('delivered', 'foreign-x-message-id', 4),
      ]);
      const accepted = await post(batch, keys.privateKey);
      expect(accepted.status, accepted.text).to.equal(204);
      const delivered = await eventually(
        () => message(row.id),
        (current) => current.status === 'delivered' && Boolean(current.readAt),
      );
      expect(delivered.status).to.equal('delivered');
      expect(delivered.readAt).to.be.instanceOf(Date);

      const otherKey = p256KeyPair();
      const failing = JSON.stringify([event('bounce', 'test-x-message-id', 5)]);
      expectError(await post(failing, otherKey.privateKey), 401, 'webhook_signature_invalid');
      expectError(await post(failing, keys.privateKey, batch), 401, 'webhook_signature_invalid');
      const unsigned = await api.call('/api/webhooks/sendgrid', { json: JSON.parse(failing) });
      expectError(unsigned, 401, 'webhook_signature_invalid');
      // Signed right, but not an Event Webhook batch.
      expectError(await post(JSON.stringify({ event: 'delivered' }), keys.privateKey), 400, 'validation_failed');

      const reasons = (await securityEvents()).slice(before).map((entry) => entry.details?.reason);
      expect(reasons).to.deep.equal(['signature_mismatch', 'signature_mismatch', 'missing_signature']);
      expect((await message(foreign.id)).status).to.equal('sent');
    });
  });

  describe('Slack', () => {
    const post = (payload: unknown, secret: string = SLACK_IDENTITY.signingSecret, at = Date.now()) => {
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(at / 1000);
      return api.call('/api/webhooks/slack', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(secret, timestamp, body),
        },
        body,
      });
    };

    it('answers url_verification with the challenge, and refuses a wrong secret or a stale timestamp', async () => {
      const check = { token: SLACK_IDENTITY.verificationToken, challenge: 'challenge-3x7', type: 'url_verification' };
      const reply = await post(check);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ challenge: 'challenge-3x7' });
      // The simulator's own check of the Events URL, as Slack does when the URL is saved.
      const simulator = running.simulators.get('slack') as SlackSimulator;
      expect(await simulator.verifyEventsUrl()).to.equal(true);

      const before = (await securityEvents()).length;
      expectError(await post(check, 'another-signing-secret'), 401, 'webhook_signature_invalid');
      expectError(
        await post(check, SLACK_IDENTITY.signingSecret, Date.now() - 6 * 60_000),
        401,
        'webhook_signature_invalid',
      );
      const reasons = (await securityEvents()).slice(before).map((entry) => entry.details?.reason);
      expect(reasons).to.deep.equal(['signature_mismatch', 'stale_timestamp']);
    });

    it("records a person's channel message as an inbound message, and ignores our bot's own posts", async () => {
      const world = running.sandbox.world;
      const channel = world.slackChannels[1]!;
      const person = world.slackMessages.find((entry) => entry.user !== SLACK_IDENTITY.botUserId)!.user;
      const text = `Crew 2 is running late ${Date.now()}`;
      const created = await control('mutate', {
        entity: 'slackMessage',
        action: 'create',
        changes: { channelKey: channel.key, text, user: person, threadTs: null },
      });
      const botText = `Reminder posted by the app ${Date.now()}`;
      await control('mutate', {
        entity: 'slackMessage',
        action: 'create',
        changes: { channelKey: channel.key, text: botText, user: SLACK_IDENTITY.botUserId, threadTs: null },
      });
      const rows = await eventually(
        () => inbound({ body: text }),
        (found) => found.length > 0,
      );
      expect(rows).to.have.length(1);
      const posted = world.slackMessages[(created.change as { key: number }).key]!;
      expect(rows[0]).to.include({
        channel: 'slack',
        vendor: 'slack',
        status: 'received',
        fromAddress: person,
        slackChannel: channel.id,
        slackTs: posted.ts,
        threadKey: `slack:${channel.id}`,
      });
      expect(rows[0]!.connection?.id).to.equal(connections.slack);

      await (running.simulators.get('slack') as SlackSimulator).drainEvents();
      const { deliveries } = (await (
        await fetch(`${running.controlUrl}/_sandbox/deliveries?vendor=slack&kind=webhook`)
      ).json()) as { deliveries: Array<{ detail: { type?: string; status?: number; body?: string } }> };
      const botDelivery = deliveries.find((entry) => entry.detail.body?.includes(botText));
      expect(botDelivery?.detail.status).to.equal(200);
      expect(await inbound({ body: botText })).to.have.length(0);
    });

    async function slackWebhookRow(where: Record<string, unknown>): Promise<WebhookEvent> {
      const rows = await eventually(
        () =>
          harness()
            .orm.em.fork()
            .find(WebhookEvent, { source: 'slack', ...where }),
        (found) => found.length > 0 && found.every((row) => row.status !== 'received'),
      );
      expect(rows).to.have.length(1);
      return rows[0]!;
    }

    it('answers a mention of our bot in its thread once, however often Slack delivers the event', async () => {
      const world = running.sandbox.world;
      const channel = world.slackChannels[0]!;
      const person = world.slackMessages.find((entry) => entry.user !== SLACK_IDENTITY.botUserId)!.user;
      const created = await control('mutate', {
        entity: 'slackMessage',
        action: 'create',
        changes: { channelKey: channel.key, text: `<@${SLACK_IDENTITY.botUserId}> help`, user: person, threadTs: null },
      });
      const mentionTs = world.slackMessages[(created.change as { key: number }).key]!.ts;
      const row = await slackWebhookRow({ eventType: 'app_mention', payload: { event: { ts: mentionTs } } });
      expect(row.status).to.equal('processed');
      expect(row.workflowIds).to.have.length(1);
      await harness().temporalClient.workflow.getHandle(row.workflowIds[0]!).result();

      const replies = async () => {
        const reply = await fetch(`${running.controlUrl}/_sandbox/deliveries?vendor=slack&kind=slack_message`);
        const { deliveries } = (await reply.json()) as {
          deliveries: Array<{ detail: { channel: string; threadTs: string | null; text: string } }>;
        };
        return deliveries.filter(({ detail }) => detail.channel === channel.id && detail.threadTs === mentionTs);
      };
      const posted = await eventually(replies, (found) => found.length > 0);
      expect(posted).to.have.length(1);
      expect(posted[0]!.detail.text.toLowerCase()).to.include('status');

      // Slack's retry of the same event (same event_id, signed afresh) acts on nothing.
      const retry = await post(row.payload);
      expect(retry.status, retry.text).to.equal(200);
      const again = await harness().orm.em.fork().findOneOrFail(WebhookEvent, { id: row.id });
      expect([again.deliveries, again.status]).to.deep.equal([2, 'processed']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await replies()).to.have.length(1);
    });

    it('keeps a reaction on our stored copy of the message, and drops it when it is removed', async () => {
      const world = running.sandbox.world;
      const channel = world.slackChannels[1]!;
      const person = world.slackMessages.find((entry) => entry.user !== SLACK_IDENTITY.botUserId)!.user;
      const text = `Photos of the finished deck ${Date.now()}`;
      await control('mutate', {
        entity: 'slackMessage',
        action: 'create',
        changes: { channelKey: channel.key, text, user: person, threadTs: null },
      });
      const [stored] = await eventually(
        () => inbound({ body: text }),
        (found) => found.length > 0,
      );
      const reaction = { channel: channel.id, ts: stored!.slackTs, name: 'tada', user: 'U0REACTOR' };
      await control('mutate', { entity: 'slackReaction', action: 'create', changes: reaction });
      const reactions = () => message(stored!.id).then((row) => visibleReactions(row.reactions));
      expect(await eventually(reactions, (found) => 'tada' in found)).to.deep.equal({ tada: ['U0REACTOR'] });
      await control('mutate', { entity: 'slackReaction', action: 'delete', changes: reaction });
      expect(await eventually(reactions, (found) => !('tada' in found))).to.deep.equal({});
      const rows = await harness()
        .orm.em.fork()
        .find(WebhookEvent, { source: 'slack', eventType: { $in: ['reaction_added', 'reaction_removed'] } });
      expect(rows.map((row) => row.status)).to.deep.equal(['processed', 'processed']);
    });
  });
});
