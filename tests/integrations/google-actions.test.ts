import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { TokenSource } from '../../integrations/core/tokens.js';
import { createCalendarWriter, eventIdFor, type CalendarWriter } from '../../integrations/google/calendar-writes.js';
import { createGoogleCalendarClient } from '../../integrations/google/client.js';
import { createDriveClient, type DriveClient } from '../../integrations/google/drive.js';
import { createGmailClient, messageIdFor, type GmailClient } from '../../integrations/google/gmail.js';
import { googleOAuth } from '../../integrations/google/oauth.js';
import { createGoogleSimulator } from '../../sandbox/vendors/google/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { expectVendorError, sandboxControl, vendorFailure } from '../support/vendor-testing.js';

/*
 * The Google action clients (Calendar writes, Gmail, Drive) against the Google simulator over real HTTP. What went
 * out is read from the sandbox (its delivery log, its world, or Google's own API), never from the client alone.
 */

interface GoogleInfo {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
}

interface Delivery {
  kind: string;
  detail: Record<string, unknown>;
}

/** Hands out one token and refreshes through the sandbox's token endpoint, counting refreshes. */
class CountingTokenSource implements TokenSource {
  refreshes = 0;
  constructor(
    private token: string,
    private readonly refreshToken: string,
    private readonly oauth: ReturnType<typeof googleOAuth>,
  ) {}
  async accessToken() {
    return this.token;
  }
  async refresh(rejected: string) {
    if (rejected !== this.token) return this.token;
    this.refreshes += 1;
    this.token = (await this.oauth.refreshCredentials(this.refreshToken)).accessToken;
    return this.token;
  }
}

const hour = (hours: number) => new Date(Date.UTC(2031, 2, 4, hours));

describe('integrations: Google actions (Calendar writes, Gmail, Drive)', function () {
  this.timeout(30_000);
  let running: RunningSandbox;
  let info: GoogleInfo;
  let rootUrl: string;
  let writer: CalendarWriter;
  let gmail: GmailClient;
  let drive: DriveClient;
  let tokens: CountingTokenSource;

  const control = (path: string, body?: unknown) => sandboxControl(running.controlUrl)(path, body);
  const fault = (rule: Record<string, unknown>) => control('/faults', { vendor: 'google', ...rule });
  const deliveries = async (kind: string) =>
    ((await control(`/deliveries?vendor=google&kind=${kind}`)).deliveries as Delivery[]).map((item) => item.detail);

  /** Google's own answer, with the sandbox's published token (what a user would see in Google). */
  async function googleGet(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${info.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${await tokens.accessToken()}` },
    });
    expect(response.status, path).to.equal(200);
    return (await response.json()) as Record<string, unknown>;
  }

  before(async () => {
    running = await startSandbox({ factories: [createGoogleSimulator], port: 0, scale: 'small' });
    info = ((await control('/')).vendors as Record<string, GoogleInfo>).google!;
    rootUrl = `${info.baseUrl}/`;
    const oauth = googleOAuth({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      tokenEndpoint: `${info.baseUrl}/token`,
    });
    tokens = new CountingTokenSource(info.accessToken, info.refreshToken, oauth);
    writer = createCalendarWriter({ tokens, rootUrl });
    gmail = createGmailClient({ tokens, rootUrl });
    drive = createDriveClient({ tokens, rootUrl });
  });

  after(async () => {
    await running?.close();
  });

  afterEach(async () => {
    await fetch(`${running.controlUrl}/_sandbox/faults`, { method: 'DELETE' });
  });

  describe('Calendar writes', () => {
    const reader = () => createGoogleCalendarClient({ tokens, rootUrl });

    it('derives a stable base32hex event id from the business key', async () => {
      const id = eventIdFor('job-17/visit-1');
      expect(id).to.equal(eventIdFor('job-17/visit-1'));
      expect(id).to.match(/^[a-v0-9]{52}$/);
      expect(eventIdFor('job-17/visit-2')).to.not.equal(id);
      expectVendorError(await vendorFailure((async () => eventIdFor(''))()), 'google', 'validation', false);
    });

    it('upserting twice makes one event with the second call’s fields; rescheduling moves it', async () => {
      const before = running.sandbox.world.calendarEvents.length;
      const first = await writer.upsertEvent({
        key: 'job-17/visit-1',
        summary: 'Visit: gutter cleaning',
        description: 'Bring the long ladder',
        location: '12 Elm St',
        start: hour(14),
        end: hour(16),
      });
      expect(first).to.include({ eventId: eventIdFor('job-17/visit-1'), status: 'confirmed' });
      expect(first.htmlLink).to.match(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/);

      const second = await writer.upsertEvent({
        key: 'job-17/visit-1',
        summary: 'Visit: gutter cleaning (2 crew)',
        location: '14 Elm St',
        start: hour(14),
        end: hour(16),
      });
      expect(second.eventId).to.equal(first.eventId);
      expect(second.etag).to.not.equal(first.etag);
      expect(running.sandbox.world.calendarEvents.length).to.equal(before + 1);
      const inserts = (await deliveries('calendar_event')).filter((entry) => entry.eventId === first.eventId);
      expect(inserts.map((entry) => entry.action)).to.deep.equal(['insert']);

      const stored = await reader().get('calendarEvents', first.eventId);
      expect(stored).to.include({
        summary: 'Visit: gutter cleaning (2 crew)',
        location: '14 Elm St',
        description: null,
        startAt: hour(14).toISOString(),
        endAt: hour(16).toISOString(),
        status: 'confirmed',
      });

      await writer.upsertEvent({
        key: 'job-17/visit-1',
        summary: 'Visit: gutter cleaning (2 crew)',
        start: hour(9),
        end: hour(11),
        timeZone: 'America/Chicago',
      });
      const moved = await googleGet(`/calendar/v3/calendars/primary/events/${first.eventId}`);
      expect(moved.start).to.deep.equal({ dateTime: '2031-03-04T09:00:00Z', timeZone: 'America/Chicago' });
      expect(moved.end).to.deep.equal({ dateTime: '2031-03-04T11:00:00Z', timeZone: 'America/Chicago' });
      expect(running.sandbox.world.calendarEvents.length).to.equal(before + 1);
    });

    it('cancels an event once and answers the same on repeat; an unknown key is null; upsert revives it', async () => {
      const { eventId } = await writer.upsertEvent({
        key: 'job-18/visit-1',
        summary: 'Visit: lawn',
        start: hour(8),
        end: hour(9),
      });
      expect(await writer.cancelEvent('job-18/visit-1')).to.deep.equal({ eventId, status: 'cancelled' });
      const cancelled = await googleGet(`/calendar/v3/calendars/primary/events/${eventId}`);
      expect(cancelled.status).to.equal('cancelled');
      expect(await reader().get('calendarEvents', eventId)).to.equal(null);

      expect(await writer.cancelEvent('job-18/visit-1')).to.deep.equal({ eventId, status: 'cancelled' });
      expect(await writer.cancelEvent('job-never/visit-1')).to.equal(null);

      const count = running.sandbox.world.calendarEvents.length;
      const revived = await writer.upsertEvent({
        key: 'job-18/visit-1',
        summary: 'Visit: lawn',
        start: hour(8),
        end: hour(9),
      });
      expect(revived).to.include({ eventId, status: 'confirmed' });
      expect(running.sandbox.world.calendarEvents.length).to.equal(count);
    });

    it('an insert Calendar took whose reply was lost is not repeated: the retry patches that event', async () => {
      const eventId = eventIdFor('job-19/visit-1');
      // What the crashed attempt left behind: Calendar holds an event with the key's id (and the first fields).
      const response = await fetch(`${info.baseUrl}/calendar/v3/calendars/primary/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokens.accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: eventId,
          summary: 'Visit: windows',
          start: { dateTime: hour(10).toISOString() },
          end: { dateTime: hour(12).toISOString() },
        }),
      });
      expect(response.status).to.equal(200);
      const count = running.sandbox.world.calendarEvents.length;

      const retried = await writer.upsertEvent({
        key: 'job-19/visit-1',
        summary: 'Visit: windows (retry)',
        start: hour(10),
        end: hour(12),
      });
      expect(retried.eventId).to.equal(eventId);
      expect(running.sandbox.world.calendarEvents.length).to.equal(count);
      expect((await reader().get('calendarEvents', eventId))?.summary).to.equal('Visit: windows (retry)');
    });

    it('maps an empty time range to validation and a 5xx to transient', async () => {
      const empty = await vendorFailure(
        writer.upsertEvent({ key: 'job-20/visit-1', summary: 'Backwards', start: hour(12), end: hour(10) }),
      );
      expectVendorError(empty, 'google', 'validation', false);
      await fault({ endpoint: '/calendar/', errorRate: 1, times: 1 });
      const down = await vendorFailure(writer.cancelEvent('job-17/visit-1'));
      expectVendorError(down, 'google', 'transient', true);
    });
  });

  describe('Gmail', () => {
    it('sends an email that Google delivers, lists as sent, and finds again by its key', async () => {
      const sent = await gmail.sendEmail({
        idempotencyKey: 'msg-901',
        to: 'Ann Client <ann@example.com>',
        subject: 'Devis prêt ✓ — quote #12 is ready for your review today',
        text: 'Bonjour Ann,\nyour quote is ready.',
        html: '<p>Bonjour Ann,<br>your quote is ready.</p>',
      });
      expect(sent.rfc822MessageId).to.equal('<msg-901@business-dashboard>');

      const delivery = (await deliveries('email')).find((entry) => entry.messageId === sent.id);
      expect(delivery).to.deep.include({
        to: ['ann@example.com'],
        subject: 'Devis prêt ✓ — quote #12 is ready for your review today',
        text: 'Bonjour Ann,\nyour quote is ready.',
        rfc822MessageId: '<msg-901@business-dashboard>',
        threadId: sent.threadId,
      });

      const page = await gmail.listMessages({ labelIds: ['SENT'], pageSize: 10 });
      const listed = page.items.find((message) => message.id === sent.id);
      expect(listed).to.deep.include({
        threadId: sent.threadId,
        to: '"Ann Client" <ann@example.com>',
        subject: 'Devis prêt ✓ — quote #12 is ready for your review today',
        text: 'Bonjour Ann,\nyour quote is ready.',
        labelIds: ['SENT'],
        rfc822MessageId: '<msg-901@business-dashboard>',
        inReplyTo: null,
      });
      expect(listed!.from).to.be.a('string').and.include('@');
      expect(Date.parse(listed!.receivedAt)).to.be.closeTo(Date.now(), 60_000);

      expect(await gmail.findSent({ idempotencyKey: 'msg-901' })).to.deep.equal({
        id: sent.id,
        threadId: sent.threadId,
      });
      expect(await gmail.findSent({ idempotencyKey: 'msg-never-sent' })).to.equal(null);
    });

    it('keys that are not Message-ID atoms still round-trip through findSent', async () => {
      const key = 'quote 12/ann@example.com';
      expect(messageIdFor(key)).to.match(/^<k[0-9a-f]{40}@business-dashboard>$/);
      expect(await gmail.findSent({ idempotencyKey: key })).to.equal(null);
      const sent = await gmail.sendEmail({ idempotencyKey: key, to: ['bob@example.com'], subject: 'Hi', text: 'x' });
      expect(await gmail.findSent({ idempotencyKey: key })).to.deep.equal({ id: sent.id, threadId: sent.threadId });
    });

    it('replies in a thread with In-Reply-To', async () => {
      const first = await gmail.sendEmail({
        idempotencyKey: 'msg-910',
        to: 'carl@example.com',
        subject: 'Visit',
        text: 'a',
      });
      const reply = await gmail.sendEmail({
        idempotencyKey: 'msg-911',
        to: 'carl@example.com',
        subject: 'Re: Visit',
        text: 'b',
        threadId: first.threadId,
        inReplyTo: first.rfc822MessageId,
      });
      expect(reply.threadId).to.equal(first.threadId);
      expect(reply.id).to.not.equal(first.id);
      const { items } = await gmail.listMessages({ query: 'rfc822msgid:<msg-911@business-dashboard>' });
      expect(items.map((message) => message.inReplyTo)).to.deep.equal(['<msg-910@business-dashboard>']);
    });

    it('adds a label by name, creating it once', async () => {
      const one = await gmail.sendEmail({ idempotencyKey: 'msg-920', to: 'dee@example.com', subject: 'L1', text: '1' });
      const two = await gmail.sendEmail({ idempotencyKey: 'msg-921', to: 'dee@example.com', subject: 'L2', text: '2' });
      const labelled = await gmail.addLabel(one.id, 'Dashboard/Quotes');
      expect(labelled.labelId).to.match(/^Label_\d+$/);
      expect(labelled.labelIds).to.include.members(['SENT', labelled.labelId]);
      const again = await gmail.addLabel(two.id, 'dashboard/quotes');
      expect(again.labelId).to.equal(labelled.labelId);

      const { labels } = (await googleGet('/gmail/v1/users/me/labels')) as { labels: Array<{ name: string }> };
      expect(labels.filter((label) => label.name.toLowerCase() === 'dashboard/quotes')).to.have.length(1);
      const { items } = await gmail.listMessages({ query: 'label:dashboard-quotes' });
      expect(items.map((message) => message.id)).to.have.members([one.id, two.id]);
    });

    it('refreshes an expired token once through the TokenSource and sends once', async () => {
      const refreshes = tokens.refreshes;
      await fault({ auth: 'token_expiry_now' });
      const sent = await gmail.sendEmail({ idempotencyKey: 'msg-930', to: 'eve@example.com', subject: 'T', text: 't' });
      expect(tokens.refreshes).to.equal(refreshes + 1);
      const copies = (await deliveries('email')).filter(
        (entry) => entry.rfc822MessageId === '<msg-930@business-dashboard>',
      );
      expect(copies.map((entry) => entry.messageId)).to.deep.equal([sent.id]);
    });

    it('a bad recipient is validation (nothing sent); header injection is refused locally; 5xx is transient', async () => {
      const emailsBefore = (await deliveries('email')).length;
      const bad = await vendorFailure(
        gmail.sendEmail({ idempotencyKey: 'msg-940', to: 'not-an-address', subject: 'x', text: 'x' }),
      );
      expectVendorError(bad, 'google', 'validation', false);
      expect(bad.details.status).to.equal(400);

      const injected = await vendorFailure(
        gmail.sendEmail({
          idempotencyKey: 'msg-941',
          to: 'a@example.com',
          subject: 'x\r\nBcc: spy@example.com',
          text: 'x',
        }),
      );
      expectVendorError(injected, 'google', 'validation', false);
      expect(injected.details.status).to.equal(undefined);

      await fault({ endpoint: '/messages/send', errorRate: 1, times: 1 });
      const down = await vendorFailure(
        gmail.sendEmail({ idempotencyKey: 'msg-942', to: 'a@example.com', subject: 'x', text: 'x' }),
      );
      expectVendorError(down, 'google', 'transient', true);
      expect((await deliveries('email')).length).to.equal(emailsBefore);
      // The 5xx came before Google took the message: findSent says so, and the retry sends it once.
      expect(await gmail.findSent({ idempotencyKey: 'msg-942' })).to.equal(null);
      await gmail.sendEmail({ idempotencyKey: 'msg-942', to: 'a@example.com', subject: 'x', text: 'x' });
      expect((await deliveries('email')).length).to.equal(emailsBefore + 1);
    });
  });

  describe('Drive', () => {
    const pdf = Buffer.from('%PDF-1.4 quote 12 \u0000\u0001 bytes');
    const filesKeyed = async (key: string) =>
      (await drive.listFiles({ query: `appProperties has { key='dashboardKey' and value='${key}' }` })).items;

    it('uploads with the key as an app property and finds the upload again by it', async () => {
      const file = await drive.uploadFile({
        idempotencyKey: 'doc-12',
        name: 'quote-12.pdf',
        mimeType: 'application/pdf',
        data: pdf,
      });
      expect(file).to.deep.include({ name: 'quote-12.pdf', mimeType: 'application/pdf', size: pdf.length });
      expect(file.webViewLink).to.equal(`https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`);
      const delivery = (await deliveries('file')).find((entry) => entry.fileId === file.id);
      expect(delivery?.sha256).to.equal(createHash('sha256').update(pdf).digest('hex'));

      expect(await drive.findUploaded('doc-12')).to.deep.equal(file);
      expect(await drive.findUploaded('doc-13')).to.equal(null);
    });

    it('a second attempt that looks first makes no duplicate', async () => {
      const upload = { idempotencyKey: 'doc-14', name: 'invoice-14.pdf', mimeType: 'application/pdf', data: pdf };
      const attempt = async () => (await drive.findUploaded(upload.idempotencyKey)) ?? drive.uploadFile(upload);
      const first = await attempt();
      const second = await attempt();
      expect(second.id).to.equal(first.id);
      expect((await filesKeyed('doc-14')).map((file) => file.id)).to.deep.equal([first.id]);
      expect((await deliveries('file')).filter((entry) => entry.name === 'invoice-14.pdf')).to.have.length(1);
    });

    it('quotes keys with apostrophes and backslashes in the search', async () => {
      const key = "doc-O'Brien\\15";
      const file = await drive.uploadFile({
        idempotencyKey: key,
        name: 'obrien.txt',
        mimeType: 'text/plain',
        data: pdf,
      });
      expect((await drive.findUploaded(key))?.id).to.equal(file.id);
      expect(await drive.findUploaded("doc-O'Brien")).to.equal(null);
    });

    it('a trashed upload is not found (a new one is due)', async () => {
      const file = await drive.uploadFile({
        idempotencyKey: 'doc-16',
        name: 'old.pdf',
        mimeType: 'application/pdf',
        data: pdf,
      });
      const response = await fetch(`${info.baseUrl}/drive/v3/files/${file.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await tokens.accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ trashed: true }),
      });
      expect(response.status).to.equal(200);
      expect(await drive.findUploaded('doc-16')).to.equal(null);
    });

    it('shares without a notification email and never adds an equal permission twice', async () => {
      const file = (await drive.findUploaded('doc-12'))!;
      const shared = await drive.shareFile({
        fileId: file.id,
        role: 'reader',
        type: 'user',
        emailAddress: 'Ann@Example.com',
      });
      expect(shared.webViewLink).to.equal(file.webViewLink);
      const permissions = async () =>
        ((await googleGet(`/drive/v3/files/${file.id}/permissions`)).permissions as Array<Record<string, string>>).map(
          (permission) => `${permission.type}:${permission.role}:${permission.emailAddress ?? ''}`,
        );
      expect(await permissions()).to.have.members([
        `user:owner:${(await googleGet('/gmail/v1/users/me/profile')).emailAddress as string}`,
        'user:reader:ann@example.com',
      ]);
      const driveEmails = async () => (await deliveries('email')).filter((entry) => entry.via === 'drive');
      expect(await driveEmails()).to.have.length(0);

      // A repeat must not create again: any create would now fail.
      await fault({ endpoint: `POST /drive/v3/files/${file.id}/permissions`, errorRate: 1 });
      const repeated = await drive.shareFile({
        fileId: file.id,
        role: 'reader',
        type: 'user',
        emailAddress: 'ann@example.com',
      });
      expect(repeated.permissionId).to.equal(shared.permissionId);
      expect(await permissions()).to.have.length(2);
      await fetch(`${running.controlUrl}/_sandbox/faults`, { method: 'DELETE' });

      const link = await drive.shareFile({ fileId: file.id, role: 'reader', type: 'anyone' });
      expect(link.permissionId).to.equal('anyoneWithLink');
      const notified = await drive.shareFile({
        fileId: file.id,
        role: 'commenter',
        type: 'user',
        emailAddress: 'bob@example.com',
        notify: true,
      });
      expect(notified.permissionId).to.not.equal(shared.permissionId);
      expect((await driveEmails()).map((entry) => entry.to)).to.deep.equal([['bob@example.com']]);
      expect(await permissions()).to.include.members(['anyone:reader:', 'user:commenter:bob@example.com']);

      const noEmail = await vendorFailure(drive.shareFile({ fileId: file.id, role: 'reader', type: 'user' }));
      expectVendorError(noEmail, 'google', 'validation', false);
      const missing = await vendorFailure(drive.shareFile({ fileId: 'no-such-file', role: 'reader', type: 'anyone' }));
      expectVendorError(missing, 'google', 'not_found', false);
    });

    it('lists files page by page with a query', async () => {
      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await drive.listFiles({
          query: "mimeType = 'application/pdf' and trashed = false",
          pageSize: 1,
          pageToken,
        });
        seen.push(...page.items.map((file) => file.name));
        pageToken = page.nextCursor ?? undefined;
        pages += 1;
      } while (pageToken);
      expect(seen).to.have.members(['quote-12.pdf', 'invoice-14.pdf']);
      expect(pages).to.equal(2);
    });

    it('maps a 5xx to transient and a bad query to validation', async () => {
      await fault({ endpoint: '/drive/', errorRate: 1, times: 1 });
      expectVendorError(await vendorFailure(drive.findUploaded('doc-12')), 'google', 'transient', true);
      expectVendorError(await vendorFailure(drive.listFiles({ query: 'name wibble' })), 'google', 'validation', false);
    });
  });
});
