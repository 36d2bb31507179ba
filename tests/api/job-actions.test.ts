import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Job, Message } from '../../db/entities/index.js';
import { eventIdFor } from '../../integrations/google/calendar-writes.js';
import { createGoogleSimulator } from '../../sandbox/vendors/google/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { encodeId } from '../../sandbox/vendors/jobber/ids.js';
import { createSlackSimulator } from '../../sandbox/vendors/slack/index.js';
import { createTestUser, expectError, login, startTestApi, type Json, type TestApi } from '../support/api.js';
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

interface GoogleInfo {
  baseUrl: string;
  accessToken: string;
}

const TEXT_FILE = Buffer.from('Site notes: the water heater is in the garage.\n');

describe('job actions: quotes, calendar events and documents (real Temporal; Jobber, Google and Slack sandboxes)', function () {
  this.timeout(300_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let admin: string;
  let viewer: string;
  let assignedUser: string;
  let otherUser: string;
  let google: GoogleInfo;
  let slackChannel: string;
  let quotedClient: Client;
  let localOnlyClient: Client;
  let job: Job;

  const em = () => getHarness().orm.em.fork();
  const sandboxQuotes = () => fixture.running.sandbox.world.quotes.length;
  const quoteRows = async () =>
    (await em().getConnection().execute(`select vendor, external_id from quotes order by created_at`)) as Array<{
      vendor: string;
      external_id: string;
    }>;
  const postQuote = (json: unknown, token = admin, key?: string) =>
    api.call('/api/quotes', { token, json, ...(key ? { headers: { 'Idempotency-Key': key } } : {}) });
  const jobPath = (path: string) => `/api/jobs/${job.id}${path}`;

  /** Google's own answer, read with the sandbox's published token. */
  async function googleGet(path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${google.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${google.accessToken}` },
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Json };
  }

  const quoteBody = (lineItems: Json[]) => ({
    clientId: quotedClient.id,
    jobId: job.id,
    title: 'Water heater replacement',
    lineItems,
  });

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createJobberSimulator, createGoogleSimulator, createSlackSimulator],
      vendors: ['jobber', 'google', 'slack'],
    });
    const info = (await sandboxControl(fixture.running.controlUrl)('')).vendors as Record<string, Json>;
    google = info.google as GoogleInfo;
    const world = fixture.running.sandbox.world;
    slackChannel = world.slackChannels[0]!.id;
    const customer = world.customers.find((candidate) => candidate.deletedAt === null)!;

    const harness = getHarness();
    api = await startTestApi({ config: { temporal: { ...harness.config.temporal, taskQueue: fixture.taskQueue } } });
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    const assignee = await createTestUser('user');
    assignedUser = (await login(api, assignee)).accessToken;
    otherUser = (await login(api, await createTestUser('user'))).accessToken;

    const manager = em();
    quotedClient = manager.create(Client, { name: 'Dana Ortiz', jobberId: encodeId('Client', customer.key) });
    localOnlyClient = manager.create(Client, { name: 'Not In Jobber' });
    job = manager.create(Job, {
      client: quotedClient.id,
      title: 'Replace the water heater',
      status: 'scheduled',
      assignedTo: [assignee.id],
    });
    await manager.flush();
  });

  after(async () => {
    await api?.close();
    await fixture?.close();
  });

  describe('POST /api/quotes', () => {
    it('creates the quote in Jobber once and stores it; the same Idempotency-Key returns the same quote', async () => {
      const before = sandboxQuotes();
      const key = `quote-${randomUUID()}`;
      const body = quoteBody([{ name: 'Water heater, 50 gal', quantity: 1, unitPrice: 1249.99 }]);
      const first = await postQuote(body, admin, key);
      expect(first.status, first.text).to.equal(201);
      const quote = first.body.quote as Json;
      expect(quote).to.include({ clientId: quotedClient.id, jobId: job.id });
      expect(sandboxQuotes(), 'new sandbox quotes').to.equal(before + 1);
      const rows = await quoteRows();
      expect(rows).to.have.length(1);
      expect(rows[0]!.vendor).to.equal('jobber');
      expect(rows[0]!.external_id).to.be.a('string').with.length.above(0);

      const again = await postQuote(body, admin, key);
      expect(again.status, again.text).to.equal(201);
      expect(again.body.quote).to.deep.equal(quote);
      expect(sandboxQuotes(), 'sandbox quotes after the retry').to.equal(before + 1);
      expect(await quoteRows()).to.have.length(1);
    });

    it("answers 422 with Jobber's userErrors for a blank line item name, storing nothing", async () => {
      const before = sandboxQuotes();
      const rowsBefore = (await quoteRows()).length;
      const reply = await postQuote(quoteBody([{ name: '   ', quantity: 1, unitPrice: 10 }]));
      expectError(reply, 422, 'vendor_rejected');
      const details = reply.body.error.details as Json[];
      expect(details).to.deep.include({
        vendor: 'jobber',
        message: "Name can't be blank",
        path: ['attributes', 'lineItems', '0', 'name'],
      });
      expect((await quoteRows()).length).to.equal(rowsBefore);
      expect(sandboxQuotes()).to.equal(before);
    });

    it('refuses bad bodies (400), unknown clients (404) and clients not in Jobber (409)', async () => {
      const before = sandboxQuotes();
      const noItems: Json = quoteBody([]);
      delete noItems.lineItems;
      expectError(await postQuote(noItems), 400, 'validation_failed');
      expectError(await postQuote(quoteBody([])), 400, 'validation_failed');
      const negative = await postQuote(quoteBody([{ name: 'Labour', quantity: 1, unitPrice: -5 }]));
      expectError(negative, 400, 'validation_failed');
      const paths = (negative.body.error.details as Json[]).map((detail) => detail.path);
      expect(paths).to.include('/lineItems/0/unitPrice');
      const unknown = await postQuote({
        ...quoteBody([{ name: 'x', quantity: 1, unitPrice: 1 }]),
        clientId: randomUUID(),
      });
      expectError(unknown, 404, 'client_not_found');
      const local = await postQuote({
        ...quoteBody([{ name: 'x', quantity: 1, unitPrice: 1 }]),
        clientId: localOnlyClient.id,
      });
      expectError(local, 409, 'client_not_in_jobber');
      expect(sandboxQuotes()).to.equal(before);
    });

    it('forbids viewers', async () => {
      expectError(await postQuote(quoteBody([{ name: 'x', quantity: 1, unitPrice: 1 }]), viewer), 403, 'forbidden');
    });
  });

  describe('PUT /api/jobs/:jobId/schedule', () => {
    const eventPath = () => `/calendar/v3/calendars/primary/events/${eventIdFor(job.id)}`;
    const schedule = (json: unknown, token = admin) => api.call(jobPath('/schedule'), { method: 'PUT', token, json });

    async function eventStartingAt(start: string): Promise<Json> {
      return until(`the Calendar event at ${start}`, async () => {
        const event = await googleGet(eventPath());
        if (event.status !== 200 || event.body.status === 'cancelled') return undefined;
        return Date.parse(event.body.start?.dateTime as string) === Date.parse(start) ? event.body : undefined;
      });
    }

    it('creates, moves and cancels the job’s Calendar event', async () => {
      const eventsBefore = fixture.running.sandbox.world.calendarEvents.length;
      const first = '2031-03-04T15:00:00.000Z';
      const reply = await schedule({ scheduledStart: first, scheduledEnd: '2031-03-04T17:00:00.000Z' });
      expect(reply.status, reply.text).to.equal(202);
      expect(reply.body).to.include({ jobId: job.id, scheduledStart: first });
      const created = await eventStartingAt(first);
      expect(created.id).to.equal(eventIdFor(job.id));
      expect(Date.parse(created.end.dateTime as string)).to.equal(Date.parse('2031-03-04T17:00:00.000Z'));
      const rows = (await em()
        .getConnection()
        .execute(`select external_id, job_id, status, starts_at from calendar_events where job_id = ?`, [
          job.id,
        ])) as Json[];
      expect(rows).to.have.length(1);
      expect(rows[0]!.external_id).to.equal(eventIdFor(job.id));

      const moved = '2031-03-05T09:30:00.000Z';
      expect((await schedule({ scheduledStart: moved })).status).to.equal(202);
      const movedEvent = await eventStartingAt(moved);
      expect(movedEvent.id).to.equal(created.id);
      expect(fixture.running.sandbox.world.calendarEvents.length, 'events in Calendar').to.equal(eventsBefore + 1);
      await until('the calendar_events row to move', async () => {
        const [row] = (await em()
          .getConnection()
          .execute(`select starts_at from calendar_events where job_id = ?`, [job.id])) as Json[];
        return new Date(row!.starts_at as string).getTime() === Date.parse(moved) ? true : undefined;
      });

      expect((await schedule({ scheduledStart: null })).status).to.equal(202);
      await until('the Calendar event to be cancelled', async () => {
        const event = await googleGet(eventPath());
        return event.status === 410 || event.status === 404 || event.body.status === 'cancelled' ? true : undefined;
      });
      await until('the calendar_events row to be cancelled', async () => {
        const [row] = (await em()
          .getConnection()
          .execute(`select status from calendar_events where job_id = ?`, [job.id])) as Json[];
        return row?.status === 'cancelled' ? true : undefined;
      });
    });

    it('refuses an end before the start, viewers and users not assigned to the job', async () => {
      const backwards = { scheduledStart: '2031-03-04T15:00:00Z', scheduledEnd: '2031-03-04T14:00:00Z' };
      expectError(await schedule(backwards), 400, 'validation_failed');
      expectError(await schedule({ scheduledStart: null }, viewer), 403, 'forbidden');
      expectError(await schedule({ scheduledStart: null }, otherUser), 403, 'forbidden');
      expectError(await api.call(jobPath('/calendar-event'), { method: 'POST', token: viewer }), 403, 'forbidden');
    });
  });

  describe('job documents', () => {
    const email = 'dana.ortiz@example.com';
    const upload = (json: unknown, token = admin) => api.call(jobPath('/documents'), { token, json });
    let documentId: string;

    it('uploads the document to Drive once and shares it as asked', async () => {
      const reply = await upload(
        {
          name: 'site-notes.txt',
          mimeType: 'text/plain',
          contentBase64: TEXT_FILE.toString('base64'),
          shareWith: [{ type: 'user', role: 'reader', emailAddress: email }],
        },
        assignedUser,
      );
      expect(reply.status, reply.text).to.equal(202);
      documentId = (reply.body.document as Json).id as string;
      expect(reply.body.document).to.include({ status: 'pending', sizeBytes: TEXT_FILE.length, jobId: job.id });

      const shared = await until('the document to be shared', async () => {
        const show = await api.call(jobPath(`/documents/${documentId}`), { token: viewer });
        expect(show.status, show.text).to.equal(200);
        const document = show.body.document as Json;
        expect(document.status, `the document ended otherwise: ${show.text}`).to.not.equal('failed');
        return document.status === 'shared' ? document : undefined;
      });
      const driveFileId = shared.driveFileId as string;
      expect(driveFileId).to.be.a('string').with.length.above(0);

      const files = await googleGet('/drive/v3/files?pageSize=1000');
      expect(files.status).to.equal(200);
      const named = (files.body.files as Json[]).filter((file) => file.name === 'site-notes.txt');
      expect(named.map((file) => file.id)).to.deep.equal([driveFileId]);
      const permissions = await googleGet(`/drive/v3/files/${driveFileId}/permissions?fields=*`);
      expect(permissions.status).to.equal(200);
      const reader = (permissions.body.permissions as Json[]).filter((permission) => permission.role === 'reader');
      expect(reader).to.have.length(1);
      expect(reader[0]).to.include({ type: 'user', emailAddress: email });

      const list = await api.call(jobPath('/documents'), { token: viewer });
      expect(list.status).to.equal(200);
      expect((list.body.data as Json[]).map((document) => document.id)).to.deep.equal([documentId]);
      expectError(await api.call(jobPath(`/documents/${randomUUID()}`), { token: viewer }), 404, 'document_not_found');
    });

    it('refuses a user share without an email address, and viewers', async () => {
      const file = { name: 'x.txt', mimeType: 'text/plain', contentBase64: TEXT_FILE.toString('base64') };
      const reply = await upload({ ...file, shareWith: [{ type: 'user', role: 'reader' }] });
      expectError(reply, 400, 'validation_failed');
      expect((reply.body.error.details as Json[]).map((detail) => detail.path)).to.include('/shareWith/0/emailAddress');
      expectError(await upload(file, viewer), 403, 'forbidden');
      expectError(await upload(file, otherUser), 403, 'forbidden');
    });

    it('posts the document to Slack as one file share and an outbound message', async () => {
      const slack = (token = admin) =>
        api.call(jobPath(`/documents/${documentId}/slack`), { token, json: { channel: slackChannel } });
      expectError(await slack(viewer), 403, 'forbidden');
      const reply = await slack();
      expect(reply.status, reply.text).to.equal(202);
      const messageId = reply.body.messageId as string;
      const message = await until('the Slack message to be sent', async () => {
        const row = await em().findOne(Message, { id: messageId });
        expect(row?.status, row?.failureReason ?? '').to.not.equal('failed');
        return row && ['sent', 'delivered'].includes(row.status) ? row : undefined;
      });
      expect(message.channel).to.equal('slack');
      const log = await sandboxControl(fixture.running.controlUrl)('/deliveries?vendor=slack&kind=file');
      const shares = (log.deliveries as Array<{ detail: Json }>).map((delivery) => delivery.detail);
      expect(shares).to.have.length(1);
      expect(shares[0]).to.include({ channel: slackChannel, size: TEXT_FILE.length, filename: 'site-notes.txt' });
    });
  });
});
