import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { Message, SyncLog } from '../../db/entities/index.js';
import type { MessageChannel, Vendor } from '../../db/entities/enums.js';
import { createGoogleSimulator } from '../../sandbox/vendors/google/index.js';
import { createSendgridSimulator } from '../../sandbox/vendors/sendgrid/index.js';
import { createSlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { createTwilioSimulator } from '../../sandbox/vendors/twilio/index.js';
import { startMessageDelivery } from '../../temporal/action-starters.js';
import { startTestWorker } from '../support/worker.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';
import { killWorkerProcess, spawnWorkerProcess, until } from '../support/worker-process.js';

interface Send {
  vendor: Vendor;
  channel: MessageChannel;
  /** The sandbox delivery-log kind of this vendor's sends. */
  kind: string;
  /** Where the sandbox accepts the send: the fault drops the answer to exactly that request. */
  endpoint: string;
  fields: Partial<Pick<Message, 'toAddress' | 'subject' | 'slackChannel'>>;
}

describe('a worker killed after the vendor accepted a send', function () {
  this.timeout(240_000);
  let fixture: SyncFixture;
  const workers: ChildProcess[] = [];

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createTwilioSimulator, createSendgridSimulator, createSlackSimulator, createGoogleSimulator],
      vendors: ['twilio', 'sendgrid', 'slack', 'google'],
      worker: false,
    });
  });

  after(async () => {
    for (const worker of workers) await killWorkerProcess(worker);
    await fixture?.close();
  });

  async function deliveries(vendor: string, kind: string): Promise<Array<Record<string, unknown>>> {
    const reply = await fetch(`${fixture.running.controlUrl}/_sandbox/deliveries?vendor=${vendor}&kind=${kind}`);
    return ((await reply.json()) as { deliveries: Array<Record<string, unknown>> }).deliveries;
  }

  it('sends exactly once on every channel: the restarted worker finds the send at the vendor instead of repeating it', async () => {
    const slackChannel = fixture.running.sandbox.world.slackChannels[0]!.id;
    const sends: Send[] = [
      {
        vendor: 'twilio',
        channel: 'sms',
        kind: 'sms',
        endpoint: 'POST /2010-04-01/Accounts',
        fields: { toAddress: '+15125550143' },
      },
      {
        vendor: 'sendgrid',
        channel: 'email',
        kind: 'email',
        endpoint: 'POST /v3/mail/send',
        fields: { toAddress: 'pat@example.com', subject: 'Your visit on Friday' },
      },
      {
        vendor: 'slack',
        channel: 'slack',
        kind: 'slack_message',
        endpoint: 'chat.postMessage',
        fields: { slackChannel },
      },
      {
        vendor: 'google',
        channel: 'email',
        kind: 'email',
        endpoint: 'messages/send',
        fields: { toAddress: 'sam@example.com', subject: 'Invoice attached' },
      },
    ];
    const em = getHarness().orm.em.fork();
    const messages = sends.map((send) =>
      em.create(Message, {
        channel: send.channel,
        direction: 'outbound',
        vendor: send.vendor,
        connection: fixture.connections[send.vendor]!.id,
        body: `Crash-test message via ${send.vendor}`,
        ...send.fields,
      }),
    );
    await em.flush();
    for (const send of sends) {
      await fixture.control('faults', { vendor: send.vendor, endpoint: send.endpoint, loseResponse: true, times: 1 });
    }

    const doomed = spawnWorkerProcess(fixture.taskQueue);
    workers.push(doomed);
    const { temporalClient } = getHarness();
    await Promise.all(
      messages.map((message) =>
        startMessageDelivery(temporalClient, fixture.taskQueue, { id: message.id, vendor: message.vendor }),
      ),
    );
    await until(
      async () =>
        (await Promise.all(sends.map(async (send) => (await deliveries(send.vendor, send.kind)).length))).every(
          (count) => count === 1,
        ),
      'every vendor to accept its send',
    );
    await killWorkerProcess(doomed);

    // The crash window was hit: every vendor has the send, and none of it reached our database.
    const atKill = await em.fork().find(Message, { id: { $in: messages.map((message) => message.id) } });
    expect(atKill.map((message) => message.status)).to.deep.equal(sends.map(() => 'sending'));
    expect(atKill.every((message) => !message.twilioSid && !message.sendgridId && !message.slackTs)).to.equal(true);

    workers.push(spawnWorkerProcess(fixture.taskQueue));
    // SMS and email then wait for delivery reports (no webhook receiver here): the rows say how the sends went.
    const ids = messages.map((message) => message.id);
    let finished: Message[] = [];
    await until(async () => {
      finished = await em.fork().find(Message, { id: { $in: ids } });
      return finished.every((row) => row.status !== 'queued' && row.status !== 'sending');
    }, 'every send to be recorded');
    const outcome = new Map(
      finished.map((row) => [row.vendor, `${row.status}${row.failureReason ? `: ${row.failureReason}` : ''}`]),
    );
    expect(sends.map((send) => outcome.get(send.vendor))).to.deep.equal(['sent', 'sent', 'delivered', 'delivered']);

    for (const send of sends) {
      expect(await deliveries(send.vendor, send.kind), `${send.vendor} deliveries`).to.have.length(1);
    }
    const rows = await em.fork().find(Message, { id: { $in: messages.map((message) => message.id) } });
    const byVendor = new Map(rows.map((row) => [row.vendor, row]));
    expect(byVendor.get('twilio')!.twilioSid).to.match(/^SM/);
    expect(byVendor.get('sendgrid')!.sendgridId).to.be.a('string').with.length.above(0);
    expect(byVendor.get('slack')!.slackTs).to.match(/^\d+\.\d+$/);
    expect(byVendor.get('google')!.gmailMessageId).to.be.a('string').with.length.above(0);
    expect(rows.every((row) => row.sendAttempts === 2)).to.equal(true);
    const found = await em.fork().find(SyncLog, { resourceType: 'message', step: 'found_sent' });
    expect(found.map((step) => step.resourceId).sort()).to.deep.equal(messages.map((message) => message.id).sort());
  });

  it('fails a message the vendor refuses (an invalid number) with the vendor reason, without retrying', async () => {
    const em = getHarness().orm.em.fork();
    const message = em.create(Message, {
      channel: 'sms',
      direction: 'outbound',
      vendor: 'twilio',
      connection: fixture.connections.twilio!.id,
      toAddress: '+12',
      body: 'Refused by Twilio',
    });
    await em.flush();
    const smsBefore = (await deliveries('twilio', 'sms')).length;
    const worker = await startTestWorker(fixture.taskQueue);
    try {
      const handle = await startMessageDelivery(getHarness().temporalClient, fixture.taskQueue, message);
      expect(await handle.result()).to.deep.equal({ status: 'failed' });
    } finally {
      await worker.stop();
    }
    const row = await em.fork().findOneOrFail(Message, { id: message.id });
    expect(row.failureCode).to.equal('21211');
    expect(row.failureReason).to.contain('is not a valid phone number');
    expect(row.sendAttempts).to.equal(1);
    expect((await deliveries('twilio', 'sms')).length).to.equal(smsBefore);
  });
});
