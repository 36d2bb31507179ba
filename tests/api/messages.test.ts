import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { expect } from 'chai';
import type { ConnectionSecrets } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import type { Vendor } from '../../db/entities/enums.js';
import { Client, Job, Message, VendorConnection } from '../../db/entities/index.js';
import { threadKeyOf } from '../../db/repositories/messages.js';
import { createSendgridSimulator } from '../../sandbox/vendors/sendgrid/index.js';
import { createSlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { createTwilioSimulator } from '../../sandbox/vendors/twilio/index.js';
import { sandboxConnection } from '../../scripts/sandbox-connections.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import {
  createTestUser,
  expectError,
  login,
  startTestApi,
  type Json,
  type Reply,
  type TestApi,
} from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';
import { sandboxControl } from '../support/vendor-testing.js';

/** Polls until `probe` returns a value, failing with `what` once `timeoutMs` has passed. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await getHarness().temporalClient.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

interface Delivery {
  vendor: string;
  kind: string;
  detail: Json;
}

interface InsertedMessage {
  channel: 'sms' | 'email' | 'slack';
  direction: 'inbound' | 'outbound';
  status: string;
  at: string;
  clientId?: string | null;
  jobId?: string | null;
  address?: string;
  subject?: string;
  body: string;
  readAt?: string;
  threadKey?: string;
}

const E164_CLIENT_PHONE = '+15125550123';

describe('/api/messages (real Temporal, PostgreSQL and Redis; Twilio, SendGrid and Slack from the sandbox)', function () {
  this.timeout(240_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let adminId: string;
  let admin: string;
  let viewer: string;
  let user: string;
  let twilioSender: string;
  let slackChannel: string;
  let connections: Partial<Record<Vendor, string>>;
  let dana: Client;
  let noPhone: Client;
  let badPhone: Client;
  let job: Job;

  const send = (json: unknown, token = admin) => api.call('/api/messages', { token, json });
  const sendSlack = (json: unknown, token = admin) => api.call('/api/messages/slack', { token, json });
  const get = (path: string, token = admin) => api.call(`/api/messages${path}`, { token });
  const em = () => getHarness().orm.em.fork();
  const rowCount = () => em().count(Message, {});

  async function deliveries(vendor: string, kind: string): Promise<Delivery[]> {
    const log = await sandboxControl(fixture.running.controlUrl)(`/deliveries?vendor=${vendor}&kind=${kind}`);
    return log.deliveries as Delivery[];
  }

  function accepted(reply: Reply): string {
    expect(reply.status, reply.text).to.equal(202);
    const messageId = reply.body.messageId as string;
    expect(reply.body).to.deep.equal({ messageId, workflowId: workflowIds.message(messageId), status: 'queued' });
    expect(reply.headers.get('location')).to.equal(`/api/messages/${messageId}`);
    return messageId;
  }

  /** GET /api/messages/:id until the message reaches one of `statuses`; a failure ends the wait at once. */
  function settled(messageId: string, statuses: string[]): Promise<Json> {
    return until(`message ${messageId} to reach ${statuses.join('/')}`, async () => {
      const reply = await get(`/${messageId}`);
      expect(reply.status, reply.text).to.equal(200);
      if (statuses.includes(reply.body.status as string)) return reply.body;
      expect(reply.body.status, `the message ended otherwise: ${reply.text.slice(0, 400)}`).to.be.oneOf([
        'queued',
        'sending',
        'sent',
      ]);
      return undefined;
    });
  }

  /** Delivery workflows on this suite's task queue, found as operators find them: by `SyncKind = "message"`. */
  async function messageWorkflowIds(): Promise<string[]> {
    const ids: string[] = [];
    const query = `TaskQueue = '${fixture.taskQueue}' AND SyncKind = 'message'`;
    for await (const execution of getHarness().temporalClient.workflow.list({ query })) ids.push(execution.workflowId);
    return ids.sort();
  }

  async function insertMessage(message: InsertedMessage): Promise<string> {
    const id = randomUUID();
    const address = message.address ?? null;
    const threadKey =
      message.threadKey ?? threadKeyOf(message.channel, { clientId: message.clientId ?? null, address });
    await em()
      .getConnection()
      .execute(
        `insert into messages (id, channel, direction, status, client_id, job_id, from_address, to_address, subject, body,
           read_at, thread_key, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          message.channel,
          message.direction,
          message.status,
          message.clientId ?? null,
          message.jobId ?? null,
          message.direction === 'inbound' ? address : null,
          message.direction === 'outbound' ? address : null,
          message.subject ?? null,
          message.body,
          message.readAt ? new Date(message.readAt) : null,
          threadKey,
          // As text, so a test can write microseconds (which a JavaScript Date would drop).
          message.at,
          message.at,
        ],
      );
    return id;
  }

  /** A connection to a simulator, sending as `sender` (none: a connection that cannot send SMS or email). */
  async function connect(vendor: Vendor, info: Json, sender?: ConnectionSecrets['sender'], accountId?: string) {
    const { externalAccountId, secrets } = sandboxConnection(vendor, info);
    const sealed: ConnectionSecrets = { ...secrets };
    if (sender) sealed.sender = sender;
    else delete sealed.sender;
    const manager = em();
    const row = manager.create(VendorConnection, {
      vendor,
      externalAccountId: accountId ?? externalAccountId,
      credentialsEncrypted: createCredentialsCipher(getHarness().config.credentialsKey).encrypt({ ...sealed }),
    });
    await manager.flush();
    return row.id;
  }

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createTwilioSimulator, createSendgridSimulator, createSlackSimulator],
      vendors: [],
    });
    const info = ((await sandboxControl(fixture.running.controlUrl)('')).vendors ?? {}) as Record<string, Json>;
    twilioSender = info.twilio!.phoneNumbers[0] as string;
    slackChannel = fixture.running.sandbox.world.slackChannels[0]!.id;
    connections = {
      twilio: await connect('twilio', info.twilio!, { phoneNumber: twilioSender }),
      sendgrid: await connect('sendgrid', info.sendgrid!, { email: 'office@example.com', name: 'The Office' }),
      slack: await connect('slack', info.slack!),
    };

    const manager = em();
    dana = manager.create(Client, { name: 'Dana Ortiz', phone: '(512) 555-0123', email: ' Dana.Ortiz@Example.com' });
    noPhone = manager.create(Client, { name: 'No Phone', email: 'nophone@example.com' });
    badPhone = manager.create(Client, { name: 'Bad Phone', phone: '555-0123', email: 'bad@example' });
    job = manager.create(Job, { client: dana.id, title: 'Fix the sink', status: 'scheduled' });
    await manager.flush();

    const harness = getHarness();
    api = await startTestApi({ config: { temporal: { ...harness.config.temporal, taskQueue: fixture.taskQueue } } });
    const adminUser = await createTestUser('admin');
    adminId = adminUser.id;
    admin = (await login(api, adminUser)).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;
  });

  after(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('refuses malformed sends with field paths, writing no row and starting no workflow', async () => {
    const rowsBefore = await rowCount();
    const sms = { channel: 'sms', body: 'Your technician is on the way' };
    const email = { channel: 'email', subject: 'Your invoice', body: 'Attached.' };
    const refused: Array<[string, Json, string, (json: Json) => Promise<Reply>]> = [
      ['a phone with letters', { ...sms, to: '512-CALL-NOW' }, '/to', send],
      ['a 7-digit local number', { ...sms, to: '555-0123' }, '/to', send],
      ['an area code starting with 1', { ...sms, to: '(112) 555-0123' }, '/to', send],
      ['a +1 number one digit too long', { ...sms, to: '+1 512 555 01234' }, '/to', send],
      ['an unbalanced parenthesis', { ...sms, to: '(512 555-0123' }, '/to', send],
      ['a malformed email', { ...email, to: 'dana@' }, '/to', send],
      ['an email without subject', { channel: 'email', to: 'dana@example.com', body: 'Hi' }, '/subject', send],
      ['both to and clientId', { ...sms, to: '5125550123', clientId: dana.id }, '/clientId', send],
      ['neither to nor clientId', sms, '/to', send],
      ['an unknown field', { ...sms, to: '5125550123', priority: 'high' }, '/priority', send],
      ['an SMS longer than 1600 characters', { ...sms, to: '5125550123', body: 'x'.repeat(1601) }, '/body', send],
      ['a subject on an SMS', { ...sms, to: '5125550123', subject: 'Hi' }, '/subject', send],
      ['a provider on an SMS', { ...sms, to: '5125550123', provider: 'gmail' }, '/provider', send],
      ['a client with no phone', { ...sms, clientId: noPhone.id }, '/clientId', send],
      ['a client whose phone is not a number', { ...sms, clientId: badPhone.id }, '/clientId', send],
      ['a client whose email is malformed', { ...email, clientId: badPhone.id }, '/clientId', send],
      ['an unknown client', { ...sms, clientId: randomUUID() }, '/clientId', send],
      ['an unknown job', { ...sms, to: '5125550123', jobId: randomUUID() }, '/jobId', send],
      ['a Slack channel name instead of an id', { channel: '#general', text: 'Hi' }, '/channel', sendSlack],
      ['a malformed thread ts', { channel: slackChannel, text: 'Hi', threadTs: 'yesterday' }, '/threadTs', sendSlack],
      ['an unknown Slack field', { channel: slackChannel, text: 'Hi', blocks: [] }, '/blocks', sendSlack],
      [
        'an unknown client on Slack',
        { channel: slackChannel, text: 'Hi', clientId: randomUUID() },
        '/clientId',
        sendSlack,
      ],
    ];
    for (const [what, body, path, post] of refused) {
      const reply = await post(body);
      expectError(reply, 400, 'validation_failed');
      const paths = (reply.body.error.details as Json[]).map((detail) => `${detail.location}:${detail.path}`);
      expect(paths, what).to.include(`body:${path}`);
    }
    expect(await rowCount(), 'rows written by refused sends').to.equal(rowsBefore);

    // Visibility lags: wait for a send that was accepted, then no other delivery may be listed beside it.
    const messageId = accepted(await send({ ...sms, to: '+1 512 555 0123' }));
    const outbound = await em().find(Message, { direction: 'outbound' }, { fields: ['id'] });
    const expected = outbound.map((row) => workflowIds.message(row.id)).sort();
    expect(expected).to.include(workflowIds.message(messageId));
    await until('the accepted delivery in visibility', async () =>
      (await messageWorkflowIds()).includes(workflowIds.message(messageId)) ? true : undefined,
    );
    expect(await messageWorkflowIds()).to.deep.equal(expected);
    await settled(messageId, ['sent', 'delivered']);
  });

  it('sends an SMS through Twilio: one delivery in the sandbox, the row sent, matched to its client, with history', async () => {
    const text = `Your technician is on the way (${randomUUID().slice(0, 8)})`;
    const messageId = accepted(await send({ channel: 'sms', to: '(512) 555-0123', body: text, jobId: job.id }));
    const message = await settled(messageId, ['sent', 'delivered']);

    const sent = (await deliveries('twilio', 'sms')).filter((delivery) => delivery.detail.body === text);
    expect(sent, 'deliveries of this SMS').to.have.length(1);
    expect(sent[0]!.detail).to.include({ to: E164_CLIENT_PHONE, from: twilioSender });
    expect(message).to.include({
      id: messageId,
      channel: 'sms',
      direction: 'outbound',
      vendor: 'twilio',
      connectionId: connections.twilio,
      clientId: dana.id,
      jobId: job.id,
      to: E164_CLIENT_PHONE,
      from: twilioSender,
      body: text,
      threadKey: `sms:client:${dana.id}`,
      vendorMessageId: sent[0]!.detail.sid,
      createdBy: adminId,
    });
    expect(message.sentAt).to.be.a('string');
    expect((message.history as Json[]).map((entry) => entry.step)).to.include('sent');
  });

  it('sends email to the address a client has on file, through SendGrid', async () => {
    const subject = `Invoice ${randomUUID().slice(0, 8)}`;
    const messageId = accepted(await send({ channel: 'email', clientId: dana.id, subject, body: 'Attached, thanks!' }));
    const message = await settled(messageId, ['sent', 'delivered']);
    const sent = (await deliveries('sendgrid', 'email')).filter((delivery) => delivery.detail.subject === subject);
    expect(sent, 'deliveries of this email').to.have.length(1);
    expect(sent[0]!.detail).to.include({ from: 'office@example.com', text: 'Attached, thanks!' });
    expect((sent[0]!.detail.to as string[]).map((to) => to.toLowerCase())).to.deep.equal(['dana.ortiz@example.com']);
    expect(message).to.include({
      vendor: 'sendgrid',
      connectionId: connections.sendgrid,
      clientId: dana.id,
      to: 'Dana.Ortiz@Example.com',
      subject,
      threadKey: `email:client:${dana.id}`,
      vendorMessageId: sent[0]!.detail.messageId,
    });
  });

  it('posts to a Slack channel and replies in its thread', async () => {
    const rootText = `Crew 2 finished job 42 (${randomUUID().slice(0, 8)})`;
    const rootId = accepted(await sendSlack({ channel: slackChannel, text: rootText, jobId: job.id }));
    const root = await settled(rootId, ['delivered']);
    const posts = async (text: string) =>
      (await deliveries('slack', 'slack_message')).filter((delivery) => String(delivery.detail.text).includes(text));
    const [rootPost, ...extraRootPosts] = await posts(rootText);
    expect(extraRootPosts, 'deliveries of the root post').to.have.length(0);
    expect(rootPost!.detail).to.include({ channel: slackChannel, threadTs: null });
    expect(root).to.include({
      channel: 'slack',
      vendor: 'slack',
      connectionId: connections.slack,
      slackChannel,
      jobId: job.id,
      vendorMessageId: rootPost!.detail.ts,
      threadKey: `slack:${slackChannel}`,
    });

    const replyText = `Photos uploaded (${randomUUID().slice(0, 8)})`;
    const rootTs = root.vendorMessageId as string;
    const replyId = accepted(
      await sendSlack({ channel: slackChannel, text: replyText, threadTs: rootTs, clientId: dana.id }),
    );
    const reply = await settled(replyId, ['delivered']);
    const replyPosts = await posts(replyText);
    expect(replyPosts).to.have.length(1);
    expect(replyPosts[0]!.detail).to.include({ channel: slackChannel, threadTs: rootTs });
    expect(reply).to.include({
      clientId: dana.id,
      vendorThreadId: rootTs,
      threadKey: `slack:${slackChannel}:${rootTs}`,
    });
  });

  it('answers 409 when no connection can carry the channel, and writes nothing', async () => {
    const rowsBefore = await rowCount();
    const gmail = await send({
      channel: 'email',
      to: 'dana@example.com',
      subject: 'Hi',
      body: 'Hi',
      provider: 'gmail',
    });
    expectError(gmail, 409, 'connection_not_found');
    expect(gmail.body.error.message).to.contain('Google');

    const manager = em();
    const twilio = await manager.findOneOrFail(VendorConnection, { id: connections.twilio! });
    twilio.status = 'needs_reauth';
    await manager.flush();
    // A connected Twilio account that has no number to send from cannot send either.
    const info = ((await sandboxControl(fixture.running.controlUrl)('')).vendors as Record<string, Json>).twilio!;
    const senderless = await connect('twilio', info, undefined, 'AC-no-sender');
    try {
      const sms = await send({ channel: 'sms', to: '5125550123', body: 'Hi' });
      expectError(sms, 409, 'connection_not_found');
      expect(sms.body.error.message).to.contain('sender number');
    } finally {
      twilio.status = 'connected';
      await manager.flush();
      await em().nativeDelete(VendorConnection, { id: senderless });
    }
    expect(await rowCount()).to.equal(rowsBefore);
  });

  it('answers 503 and fails the row when the delivery workflow cannot be started', async () => {
    // Temporal refuses task queue names longer than its id limit, so every start through this API fails.
    const harness = getHarness();
    const broken = await startTestApi({
      config: { temporal: { ...harness.config.temporal, taskQueue: 'q'.repeat(2_000) } },
    });
    try {
      const token = (await login(broken, await createTestUser('user'))).accessToken;
      const text = `Unstartable ${randomUUID()}`;
      const reply = await broken.call('/api/messages', {
        token,
        json: { channel: 'sms', to: '5125550123', body: text },
      });
      expectError(reply, 503, 'delivery_unavailable');
      const rows = await em().find(Message, { body: text });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ status: 'failed', failureCode: 'workflow_start_failed' });
      expect(rows[0]!.failureReason).to.be.a('string').and.not.equal('');
      expect(await workflowExists(workflowIds.message(rows[0]!.id))).to.equal(false);
    } finally {
      await broken.close();
    }
  });

  it('lets viewers read but not send (403), and users send', async () => {
    const rowsBefore = await rowCount();
    expectError(await send({ channel: 'sms', to: '5125550123', body: 'Hi' }, viewer), 403, 'forbidden');
    expectError(await sendSlack({ channel: slackChannel, text: 'Hi' }, viewer), 403, 'forbidden');
    const someone = await insertMessage({
      channel: 'sms',
      direction: 'inbound',
      status: 'received',
      at: '2021-01-01T00:00:00Z',
      address: '+15125550199',
      body: 'Viewer test',
    });
    expectError(await api.call(`/api/messages/${someone}/read`, { token: viewer, method: 'POST' }), 403, 'forbidden');
    expect(await rowCount()).to.equal(rowsBefore + 1);
    expect((await em().findOneOrFail(Message, { id: someone })).readAt).to.equal(null);
    expect((await get('', viewer)).status).to.equal(200);
    expect((await get(`/${someone}`, viewer)).status).to.equal(200);
    expect((await get('/threads', viewer)).status).to.equal(200);
    const messageId = accepted(await send({ channel: 'sms', to: '5125550123', body: 'Sent by a user' }, user));
    await settled(messageId, ['sent', 'delivered']);
  });

  describe('lists and threads (rows inserted directly)', () => {
    let lee: Client;
    let ids: Record<
      'smsOut' | 'smsIn' | 'emailOut' | 'emailIn' | 'smsLate' | 'tieA' | 'tieB' | 'microEarly' | 'microLate',
      string
    >;

    before(async () => {
      const manager = em();
      lee = manager.create(Client, { name: 'Lee Park', phone: '+15125550177', email: 'lee@example.com' });
      await manager.flush();
      ids = {
        smsOut: await insertMessage({
          ...{ channel: 'sms', direction: 'outbound', status: 'delivered', at: '2020-01-01T10:00:00Z' },
          clientId: lee.id,
          address: '+15125550177',
          body: 'Estimate ready: 50% off this week',
        }),
        smsIn: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2020-01-01T11:00:00Z' },
          clientId: lee.id,
          address: '+15125550177',
          body: 'Is 500 off possible?',
        }),
        emailOut: await insertMessage({
          ...{ channel: 'email', direction: 'outbound', status: 'failed', at: '2020-01-02T09:00:00Z' },
          clientId: lee.id,
          jobId: job.id,
          address: 'lee@example.com',
          subject: 'Invoice_42',
          body: 'Attached',
        }),
        emailIn: await insertMessage({
          ...{ channel: 'email', direction: 'inbound', status: 'received', at: '2020-01-03T09:00:00Z' },
          clientId: lee.id,
          address: 'lee@example.com',
          subject: 'Re: Invoice 42',
          body: 'Thanks',
          readAt: '2020-01-03T10:00:00Z',
        }),
        smsLate: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2020-01-04T09:00:00Z' },
          clientId: lee.id,
          address: '+15125550177',
          body: 'Running late? '.repeat(20),
        }),
        // Two conversations whose last activity is the same instant: the thread key breaks the tie.
        tieA: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2019-06-01T00:00:00Z' },
          address: '+15125550100',
          body: 'Tie A',
        }),
        tieB: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2019-06-01T00:00:00Z' },
          address: '+15125550101',
          body: 'Tie B',
        }),
        // Rows written with microseconds (PostgreSQL's now()): apart in the database, equal as JavaScript Dates.
        microEarly: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2018-03-01T00:00:00.000500Z' },
          address: '+15125550102',
          body: 'Micro early',
        }),
        microLate: await insertMessage({
          ...{ channel: 'sms', direction: 'inbound', status: 'received', at: '2018-03-01T00:00:00.000900Z' },
          address: '+15125550103',
          body: 'Micro late',
        }),
      };
    });

    const listIds = async (query: string): Promise<string[]> => {
      const reply = await get(`?${query}`);
      expect(reply.status, reply.text).to.equal(200);
      return (reply.body.data as Json[]).map((message) => message.id as string);
    };

    it('lists newest first with each filter, text search taken literally, and cursor pages', async () => {
      const byLee = `clientId=${lee.id}`;
      expect(await listIds(byLee)).to.deep.equal([ids.smsLate, ids.emailIn, ids.emailOut, ids.smsIn, ids.smsOut]);
      expect(await listIds(`${byLee}&channel=sms&direction=inbound`)).to.deep.equal([ids.smsLate, ids.smsIn]);
      expect(await listIds(`${byLee}&status=failed`)).to.deep.equal([ids.emailOut]);
      expect(await listIds(`${byLee}&jobId=${job.id}`)).to.deep.equal([ids.emailOut]);
      expect(await listIds(`threadKey=${encodeURIComponent(`sms:client:${lee.id}`)}`)).to.deep.equal([
        ids.smsLate,
        ids.smsIn,
        ids.smsOut,
      ]);
      expect(await listIds(`${byLee}&from=2020-01-02T00:00:00Z&to=2020-01-03T09:00:00Z`)).to.deep.equal([ids.emailOut]);
      expect(await listIds(`from=2019-01-01T00:00:00Z&to=2019-12-31T00:00:00Z`)).to.have.members([ids.tieA, ids.tieB]);
      // `%` and `_` are literal: "50%" is not "500", "invoice_42" is not "Invoice 42"; case does not matter.
      expect(await listIds(`q=${encodeURIComponent('50%')}`)).to.deep.equal([ids.smsOut]);
      expect(await listIds(`q=${encodeURIComponent('INVOICE_42')}`)).to.deep.equal([ids.emailOut]);
      expect(await listIds(`${byLee}&q=invoice`)).to.deep.equal([ids.emailIn, ids.emailOut]);

      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const reply: Reply = await get(`?${byLee}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(reply.status, reply.text).to.equal(200);
        expect(reply.body.page.limit).to.equal(2);
        pages.push((reply.body.data as Json[]).map((message) => message.id as string));
        cursor = reply.body.page.nextCursor as string | null;
      } while (cursor && pages.length < 10);
      expect(pages).to.deep.equal([[ids.smsLate, ids.emailIn], [ids.emailOut, ids.smsIn], [ids.smsOut]]);

      // The tie: same created_at, so the id decides, and a page boundary between them loses neither.
      const tied = `from=2019-01-01T00:00:00Z&to=2019-12-31T00:00:00Z&limit=1`;
      const first = await get(`?${tied}`);
      const second = await get(`?${tied}&cursor=${first.body.page.nextCursor}`);
      expect([...first.body.data, ...second.body.data].map((message: Json) => message.id)).to.have.members([
        ids.tieA,
        ids.tieB,
      ]);
      expect(second.body.page.nextCursor).to.equal(null);
      // Microseconds apart: a cursor rounded to milliseconds must neither skip nor repeat the second row.
      const micro = `from=2018-01-01T00:00:00Z&to=2018-12-31T00:00:00Z&limit=1`;
      const microFirst = await get(`?${micro}`);
      expect(microFirst.body.data.map((message: Json) => message.id)).to.deep.equal([ids.microLate]);
      const microSecond = await get(`?${micro}&cursor=${microFirst.body.page.nextCursor}`);
      expect(microSecond.body.data.map((message: Json) => message.id)).to.deep.equal([ids.microEarly]);
      expect(microSecond.body.page.nextCursor).to.equal(null);

      expectError(await get('?cursor=bm90LWEtY3Vyc29y'), 400, 'validation_failed');
      expectError(await get('?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z'), 400, 'validation_failed');
      expectError(await get('?status=lost'), 400, 'validation_failed');
      expectError(await get('?from=yesterday'), 400, 'validation_failed');
    });

    it('shows one message, 404 for an unknown id, 400 for a malformed one', async () => {
      const shown = await get(`/${ids.emailOut}`);
      expect(shown.status, shown.text).to.equal(200);
      expect(shown.body).to.include({ id: ids.emailOut, subject: 'Invoice_42', status: 'failed', clientId: lee.id });
      expect(shown.body.history).to.deep.equal([]);
      expectError(await get(`/${randomUUID()}`), 404, 'message_not_found');
      expectError(await get('/not-a-uuid'), 400, 'validation_failed');
    });

    it('groups threads with their last message and unread counts, and marks inbound messages read', async () => {
      const threads = async (query: string): Promise<Json[]> => {
        const reply = await get(`/threads?${query}`);
        expect(reply.status, reply.text).to.equal(200);
        return reply.body.data as Json[];
      };
      const lees = await threads(`clientId=${lee.id}`);
      expect(lees.map((thread) => thread.threadKey)).to.deep.equal([`sms:client:${lee.id}`, `email:client:${lee.id}`]);
      expect(lees[0]).to.deep.include({ channel: 'sms', clientId: lee.id, messageCount: 3, unreadCount: 2 });
      expect(lees[0]!.lastMessage).to.deep.equal({
        id: ids.smsLate,
        excerpt: 'Running late? '.repeat(20).slice(0, 140),
        direction: 'inbound',
        status: 'received',
        at: '2020-01-04T09:00:00.000Z',
      });
      expect(lees[1]).to.deep.include({ channel: 'email', messageCount: 2, unreadCount: 0 });
      expect(lees[1]!.lastMessage).to.include({ id: ids.emailIn, excerpt: 'Thanks', direction: 'inbound' });
      expect((await threads(`clientId=${lee.id}&channel=email`)).map((thread) => thread.threadKey)).to.deep.equal([
        `email:client:${lee.id}`,
      ]);

      const read = await api.call(`/api/messages/${ids.smsIn}/read`, { token: user, method: 'POST' });
      expect(read.status, read.text).to.equal(200);
      expect(read.body).to.include({ id: ids.smsIn, direction: 'inbound', status: 'received' });
      const readAt = read.body.readAt as string;
      expect(Date.parse(readAt)).to.be.closeTo(Date.now(), 60_000);
      const again = await api.call(`/api/messages/${ids.smsIn}/read`, { token: user, method: 'POST' });
      expect(again.body.readAt, 'the first read time stays').to.equal(readAt);
      expect((await threads(`clientId=${lee.id}&channel=sms`))[0]).to.include({ unreadCount: 1, messageCount: 3 });
      expectError(
        await api.call(`/api/messages/${ids.smsOut}/read`, { token: user, method: 'POST' }),
        409,
        'message_not_inbound',
      );
      expect((await em().findOneOrFail(Message, { id: ids.smsOut })).readAt).to.equal(null);
      expectError(
        await api.call(`/api/messages/${randomUUID()}/read`, { token: user, method: 'POST' }),
        404,
        'message_not_found',
      );
    });

    it('pages through every thread by last activity without losing or repeating one', async () => {
      const rows = await em().find(Message, { threadKey: { $ne: null } }, { fields: ['threadKey', 'createdAt'] });
      const lastActivity = new Map<string, number>();
      for (const row of rows) {
        lastActivity.set(row.threadKey!, Math.max(lastActivity.get(row.threadKey!) ?? 0, row.createdAt.getTime()));
      }
      const expected = [...lastActivity.entries()]
        .sort(([keyA, atA], [keyB, atB]) => atB - atA || (keyA < keyB ? 1 : keyA > keyB ? -1 : 0))
        .map(([key]) => key);
      expect(expected).to.include.members(['sms:address:5125550100', 'sms:address:5125550101']);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const reply: Reply = await get(`/threads?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(reply.status, reply.text).to.equal(200);
        seen.push(...(reply.body.data as Json[]).map((thread) => thread.threadKey as string));
        cursor = reply.body.page.nextCursor as string | null;
      } while (cursor && seen.length <= expected.length);
      expect(seen).to.deep.equal(expected);
      expect(seen.indexOf('sms:address:5125550101')).to.equal(seen.indexOf('sms:address:5125550100') - 1);
      // Microseconds decide between these two (equal as Dates, so `expected` orders them by key, the same way).
      expect(seen.indexOf('sms:address:5125550103')).to.equal(seen.indexOf('sms:address:5125550102') - 1);

      expectError(await get('/threads?cursor=bm9wZQ'), 400, 'validation_failed');
      expectError(await get('/threads?direction=inbound'), 400, 'validation_failed');
    });
  });
});
