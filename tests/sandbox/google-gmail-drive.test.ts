import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { OAuth2Client } from 'google-auth-library';
import { google, type drive_v3, type gmail_v1 } from 'googleapis';
import { createGoogleSimulator } from '../../sandbox/vendors/google/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

/*
 * Contract tests for the Google simulator's Gmail v1 and Drive v3 through googleapis, pointed at it with `rootUrl`
 * (per call for media uploads, which ignore the per-API rootUrl).
 */

interface Failure {
  status: number;
  data: {
    error: { errors: Array<{ domain: string; reason: string; message: string }>; code: number; message: string };
  };
}

async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: Failure }).response;
    if (!response) throw error;
    return { status: response.status, data: response.data };
  }
  throw new Error('expected the call to fail');
}

interface Delivery {
  kind: string;
  detail: Record<string, unknown>;
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('sandbox: Google simulator (Gmail, Drive)', function () {
  this.timeout(30_000);
  let running: RunningSandbox;
  let rootUrl: string;
  let gmail: gmail_v1.Gmail;
  let drive: drive_v3.Drive;

  const control = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).to.be.lessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };
  const deliveries = async (kind: string) =>
    ((await control(`/deliveries?vendor=google&kind=${kind}`)).deliveries as Delivery[]).map((item) => item.detail);

  before(async () => {
    running = await startSandbox({ factories: [createGoogleSimulator], port: 0, scale: 'small' });
    const info = ((await control('/')).vendors as Record<string, Record<string, string>>).google!;
    rootUrl = `${info.baseUrl}/`;
    const auth = new OAuth2Client({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      endpoints: { oauth2TokenUrl: `${info.baseUrl}/token` },
    });
    auth.setCredentials({
      access_token: info.accessToken,
      refresh_token: info.refreshToken,
      expiry_date: Date.parse(info.accessTokenExpiresAt!),
    });
    gmail = google.gmail({ version: 'v1', auth, rootUrl, retry: false });
    drive = google.drive({ version: 'v3', auth, rootUrl, retry: false });
  });

  after(async () => {
    await running?.close();
  });

  describe('Gmail v1', () => {
    it('lists every message newest first across pages, with q=is:unread and labelIds filters', async () => {
      const emails = running.sandbox.world.emails;
      const ids: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const { data } = await gmail.users.messages.list({ userId: 'me', maxResults: 37, pageToken });
        expect(data.resultSizeEstimate).to.equal(emails.length);
        ids.push(...(data.messages ?? []).map((message) => message.id!));
        pageToken = data.nextPageToken ?? undefined;
        pages += 1;
      } while (pageToken);
      expect(pages).to.equal(Math.ceil(emails.length / 37));
      expect(new Set(ids).size).to.equal(emails.length);
      const first = await gmail.users.messages.get({ userId: 'me', id: ids[0]!, format: 'minimal' });
      const last = await gmail.users.messages.get({ userId: 'me', id: ids.at(-1)!, format: 'minimal' });
      expect(Number(first.data.internalDate)).to.be.at.least(Number(last.data.internalDate));

      const unread = emails.filter((email) => email.labelIds.includes('UNREAD')).length;
      expect(unread).to.be.greaterThan(0);
      const byQuery = await gmail.users.messages.list({ userId: 'me', q: 'is:unread', maxResults: 500 });
      expect(byQuery.data.messages).to.have.length(unread);
      const byLabel = await gmail.users.messages.list({ userId: 'me', labelIds: ['UNREAD', 'INBOX'], maxResults: 500 });
      expect(byLabel.data.messages).to.have.length(unread);
      const none = await gmail.users.messages.list({ userId: 'me', q: 'subject:"no such subject anywhere"' });
      expect(none.data).to.deep.equal({ resultSizeEstimate: 0 });
    });

    it('gets a message as full, metadata, minimal and raw', async () => {
      const email = running.sandbox.world.emails[5]!;
      const { data: listed } = await gmail.users.messages.list({ userId: 'me', maxResults: 500 });
      const ids = listed.messages!.map((message) => message.id!);
      const id = ids.find((candidate) => parseInt(candidate.slice(2), 16) === email.key)!;

      const full = await gmail.users.messages.get({ userId: 'me', id });
      const headers = Object.fromEntries(full.data.payload!.headers!.map((header) => [header.name, header.value]));
      expect(headers).to.include({ From: email.from, To: email.to, Subject: email.subject });
      expect(Date.parse(headers.Date!)).to.equal(Math.floor(email.sentAt / 1000) * 1000);
      expect(Buffer.from(full.data.payload!.body!.data!, 'base64url').toString()).to.equal(email.body);
      expect(full.data.labelIds).to.deep.equal(email.labelIds);

      const metadata = await gmail.users.messages.get({
        userId: 'me',
        id,
        format: 'metadata',
        metadataHeaders: ['Subject'],
      });
      expect(metadata.data.payload!.headers).to.deep.equal([{ name: 'Subject', value: email.subject }]);
      expect(metadata.data.payload!.body).to.equal(undefined);

      const minimal = await gmail.users.messages.get({ userId: 'me', id, format: 'minimal' });
      expect(minimal.data.payload).to.equal(undefined);
      expect(minimal.data.threadId).to.match(/^[0-9a-f]{16}$/);

      const raw = await gmail.users.messages.get({ userId: 'me', id, format: 'raw' });
      expect(Buffer.from(raw.data.raw!, 'base64url').toString()).to.include(`Subject: ${email.subject}\r\n`);

      const missing = await failure(gmail.users.messages.get({ userId: 'me', id: '19ffffffffffffff' }));
      expect(missing.status).to.equal(404);
      expect(missing.data.error.errors[0]!.reason).to.equal('notFound');
    });

    it('sends JSON {raw} and media uploads: SENT message, email delivery with parsed to/subject', async () => {
      const message = [
        'From: someone-else@example.com',
        'To: "Ann Client" <ann@example.com>, bob@example.com',
        'Bcc: boss@example.com',
        `Subject: =?UTF-8?B?${Buffer.from('Devis prêt').toString('base64')}?=`,
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Your quote is ready.',
      ].join('\r\n');
      const sent = await gmail.users.messages.send({ userId: 'me', requestBody: { raw: base64url(message) } });
      expect(sent.data.labelIds).to.deep.equal(['SENT']);
      const emails = await deliveries('email');
      expect(emails.at(-1)).to.include({
        subject: 'Devis prêt',
        text: 'Your quote is ready.',
        messageId: sent.data.id,
      });
      expect(emails.at(-1)!.to).to.deep.equal(['ann@example.com', 'bob@example.com']);
      expect(emails.at(-1)!.bcc).to.deep.equal(['boss@example.com']);
      const raw = await gmail.users.messages.get({ userId: 'me', id: sent.data.id!, format: 'raw' });
      expect(Buffer.from(raw.data.raw!, 'base64url').toString()).to.not.include('boss@example.com');
      const world = running.sandbox.world.emails.at(-1)!;
      expect(world).to.include({ subject: 'Devis prêt', to: 'ann@example.com, bob@example.com' });

      const upload = await gmail.users.messages.send(
        {
          userId: 'me',
          media: { mimeType: 'message/rfc822', body: 'To: carl@example.com\r\nSubject: Upload\r\n\r\nvia upload' },
        },
        { rootUrl },
      );
      expect(upload.data.labelIds).to.deep.equal(['SENT']);
      expect((await deliveries('email')).at(-1)).to.include({ subject: 'Upload', text: 'via upload' });

      // Multipart upload: JSON metadata (the thread to reply in) plus the message.
      const reply = await gmail.users.messages.send(
        {
          userId: 'me',
          requestBody: { threadId: sent.data.threadId },
          media: { mimeType: 'message/rfc822', body: 'To: ann@example.com\r\nSubject: Re: Devis\r\n\r\nThanks' },
        },
        { rootUrl },
      );
      expect(reply.data.threadId).to.equal(sent.data.threadId);
      expect(reply.data.id).to.not.equal(sent.data.id);

      const noRecipient = await failure(
        gmail.users.messages.send({ userId: 'me', requestBody: { raw: base64url('Subject: x\r\n\r\nbody') } }),
      );
      expect(noRecipient.status).to.equal(400);
      expect(noRecipient.data.error.errors[0]!.reason).to.equal('invalidArgument');
    });

    it('reports label changes and new messages in history; stale history ids are 404', async () => {
      const { data: profile } = await gmail.users.getProfile({ userId: 'me' });
      const start = profile.historyId!;
      const email = running.sandbox.world.emails.find((candidate) => candidate.labelIds.includes('UNREAD'))!;
      const id = `19${email.key.toString(16).padStart(14, '0')}`;
      const modified = await gmail.users.messages.modify({
        userId: 'me',
        id,
        requestBody: { removeLabelIds: ['UNREAD'], addLabelIds: ['STARRED'] },
      });
      expect(modified.data.labelIds).to.include('STARRED').and.not.include('UNREAD');

      // Control-API changes: a label added to another message, and a new inbound message.
      const other = running.sandbox.world.emails.find((candidate) => !candidate.labelIds.includes('UNREAD'))!;
      await control('/mutate', {
        entity: 'email',
        action: 'update',
        key: other.key,
        changes: { labelIds: [...other.labelIds, 'IMPORTANT'] },
      });
      await control('/mutate', {
        entity: 'email',
        action: 'create',
        changes: { subject: 'New lead', labelIds: ['INBOX'] },
      });

      const { data: history } = await gmail.users.history.list({ userId: 'me', startHistoryId: start });
      const records = history.history!;
      expect(records).to.have.length(3);
      expect(records[0]!.labelsRemoved).to.deep.equal([
        { message: { id, threadId: modified.data.threadId, labelIds: modified.data.labelIds }, labelIds: ['UNREAD'] },
      ]);
      expect(records[0]!.labelsAdded![0]!.labelIds).to.deep.equal(['STARRED']);
      expect(records[1]!.labelsAdded![0]!.labelIds).to.deep.equal(['IMPORTANT']);
      expect(records[2]!.messagesAdded).to.have.length(1);
      expect(Number(history.historyId!)).to.be.greaterThan(Number(start));
      const ids = records.map((record) => Number(record.id!));
      expect(ids).to.deep.equal([...ids].sort((a, b) => (a < b ? -1 : 1)));

      const removedOnly = await gmail.users.history.list({
        userId: 'me',
        startHistoryId: start,
        historyTypes: ['labelRemoved'],
      });
      expect(removedOnly.data.history).to.have.length(1);
      const quiet = await gmail.users.history.list({ userId: 'me', startHistoryId: history.historyId! });
      expect(quiet.data.history).to.equal(undefined);

      const stale = await failure(gmail.users.history.list({ userId: 'me', startHistoryId: '1' }));
      expect(stale.status).to.equal(404);
      expect(stale.data.error.errors[0]!.reason).to.equal('notFound');
    });

    it('creates user labels (names unique regardless of case), applies them, and searches them by name', async () => {
      const created = await gmail.users.labels.create({ userId: 'me', requestBody: { name: 'Clients/Follow up' } });
      expect(created.data).to.deep.include({ name: 'Clients/Follow up', type: 'user', messageListVisibility: 'show' });
      expect(created.data.id).to.match(/^Label_\d+$/);
      const { data: listed } = await gmail.users.labels.list({ userId: 'me' });
      expect(listed.labels!.filter((label) => label.type === 'user').map((label) => label.id)).to.include(
        created.data.id,
      );
      expect(listed.labels!.find((label) => label.id === 'INBOX')).to.deep.equal({
        id: 'INBOX',
        name: 'INBOX',
        type: 'system',
      });

      const duplicate = await failure(
        gmail.users.labels.create({ userId: 'me', requestBody: { name: 'clients/follow UP' } }),
      );
      expect(duplicate.status).to.equal(409);
      expect(
        (await failure(gmail.users.labels.create({ userId: 'me', requestBody: { name: 'Inbox' } }))).status,
      ).to.equal(400);

      const email = running.sandbox.world.emails[3]!;
      const id = `19${email.key.toString(16).padStart(14, '0')}`;
      const unknown = await failure(
        gmail.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['Label_999'] } }),
      );
      expect(unknown.status).to.equal(400);
      const modified = await gmail.users.messages.modify({
        userId: 'me',
        id,
        requestBody: { addLabelIds: [created.data.id!] },
      });
      expect(modified.data.labelIds).to.include(created.data.id);
      const found = await gmail.users.messages.list({ userId: 'me', q: 'label:clients-follow-up', maxResults: 500 });
      expect(found.data.messages!.map((message) => message.id)).to.deep.equal([id]);
      const none = await gmail.users.messages.list({ userId: 'me', q: 'label:clients-other' });
      expect(none.data.messages).to.equal(undefined);
    });

    it('keeps a sent Message-ID and finds it with rfc822msgid:; fills in Message-ID, From and Date when absent', async () => {
      const message = 'To: ann@example.com\r\nSubject: Keyed\r\nMessage-ID: <order-77@example.test>\r\n\r\nHello';
      const sent = await gmail.users.messages.send({ userId: 'me', requestBody: { raw: base64url(message) } });
      for (const q of ['rfc822msgid:<order-77@example.test>', 'rfc822msgid:order-77@example.test']) {
        const { data } = await gmail.users.messages.list({ userId: 'me', q });
        expect(data.messages, q).to.deep.equal([{ id: sent.data.id, threadId: sent.data.threadId }]);
      }
      const other = await gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:<order-78@example.test>' });
      expect(other.data.messages).to.equal(undefined);
      expect((await deliveries('email')).at(-1)).to.include({ rfc822MessageId: '<order-77@example.test>' });

      const bare = await gmail.users.messages.send({
        userId: 'me',
        requestBody: { raw: base64url('To: bob@example.com\r\nSubject: Bare\r\n\r\nHi') },
      });
      const { data } = await gmail.users.messages.get({ userId: 'me', id: bare.data.id!, format: 'metadata' });
      const headers = Object.fromEntries(data.payload!.headers!.map((header) => [header.name, header.value]));
      expect(headers['Message-ID']).to.match(/^<[^<>@\s]+@mail\.gmail\.com>$/);
      expect(headers.From).to.equal((await gmail.users.getProfile({ userId: 'me' })).data.emailAddress);
      expect(Date.parse(headers.Date!)).to.be.closeTo(Date.now(), 60_000);
      const byGenerated = await gmail.users.messages.list({ userId: 'me', q: `rfc822msgid:${headers['Message-ID']}` });
      expect(byGenerated.data.messages!.map((message) => message.id)).to.deep.equal([bare.data.id]);
    });

    it('shows a sent multipart message as MIME parts with transfer-decoded bodies', async () => {
      const text = 'Prix : 450 € — merci';
      const html = '<p>Prix : 450 €</p>';
      const message = [
        'To: ann@example.com',
        'Subject: Parts',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset="UTF-8"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(text).toString('base64'),
        '--b1',
        'Content-Type: text/html; charset="UTF-8"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<p>Prix : 450 =E2=82=AC</p>',
        '--b1--',
        '',
      ].join('\r\n');
      const sent = await gmail.users.messages.send({ userId: 'me', requestBody: { raw: base64url(message) } });
      expect((await deliveries('email')).at(-1)).to.include({ text });
      const { data } = await gmail.users.messages.get({ userId: 'me', id: sent.data.id! });
      const payload = data.payload!;
      expect(payload).to.deep.include({ partId: '', mimeType: 'multipart/alternative', body: { size: 0 } });
      const decoded = payload.parts!.map((part) => [
        part.partId,
        part.mimeType,
        Buffer.from(part.body!.data!, 'base64url').toString(),
      ]);
      expect(decoded).to.deep.equal([
        ['0', 'text/plain', text],
        ['1', 'text/html', html],
      ]);
      expect(payload.parts![0]!.body!.size).to.equal(Buffer.byteLength(text));
    });
  });

  describe('Drive v3', () => {
    let folderId: string;

    it('creates a folder (metadata only) and stores multipart uploads in it', async () => {
      const folder = await drive.files.create({
        requestBody: { name: 'Quotes', mimeType: 'application/vnd.google-apps.folder' },
        fields: 'id,name,mimeType',
      });
      folderId = folder.data.id!;
      expect(folder.data).to.deep.equal({
        id: folderId,
        name: 'Quotes',
        mimeType: 'application/vnd.google-apps.folder',
      });

      const text = 'Quote #12: $450.00';
      const created = await drive.files.create(
        {
          requestBody: { name: 'quote-12.txt', parents: [folderId] },
          media: { mimeType: 'text/plain', body: text },
          fields: 'id,name,mimeType,size,sha256Checksum,parents',
        },
        { rootUrl },
      );
      const sha256 = createHash('sha256').update(text).digest('hex');
      expect(created.data).to.deep.include({ name: 'quote-12.txt', mimeType: 'text/plain', size: String(text.length) });
      expect(created.data.sha256Checksum).to.equal(sha256);
      expect(created.data.parents).to.deep.equal([folderId]);
      expect((await deliveries('file')).at(-1)).to.deep.include({ name: 'quote-12.txt', size: text.length, sha256 });

      // A stream body goes through the SDK's streaming multipart path.
      const pdf = Buffer.from('%PDF-1.4 fake pdf bytes \u0000\u0001\u0002');
      const streamed = await drive.files.create(
        {
          requestBody: { name: 'invoice.pdf', parents: [folderId] },
          media: { mimeType: 'application/pdf', body: Readable.from([pdf]) },
          fields: 'id,size,md5Checksum',
        },
        { rootUrl },
      );
      expect(streamed.data.size).to.equal(String(pdf.length));
      expect(streamed.data.md5Checksum).to.equal(createHash('md5').update(pdf).digest('hex'));
      const downloaded = await drive.files.get(
        { fileId: streamed.data.id!, alt: 'media' },
        { responseType: 'arraybuffer' },
      );
      expect(Buffer.from(downloaded.data as unknown as ArrayBuffer).equals(pdf)).to.equal(true);

      const media = await drive.files.create({ media: { mimeType: 'image/png', body: 'png-bytes' } }, { rootUrl });
      expect(media.data).to.deep.include({ kind: 'drive#file', name: 'Untitled', mimeType: 'image/png' });
    });

    it('lists with q, pageSize paging and fields selection', async () => {
      const q = `'${folderId}' in parents and trashed = false`;
      const names: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const { data } = await drive.files.list({
          q,
          pageSize: 1,
          pageToken,
          fields: 'nextPageToken, files(id, name, mimeType)',
        });
        for (const file of data.files ?? []) {
          expect(Object.keys(file)).to.have.members(['id', 'name', 'mimeType']);
          names.push(file.name!);
        }
        pageToken = data.nextPageToken ?? undefined;
        pages += 1;
      } while (pageToken);
      expect(pages).to.equal(2);
      expect(names).to.have.members(['quote-12.txt', 'invoice.pdf']);

      const byName = await drive.files.list({ q: "name contains 'quote' and mimeType = 'text/plain'" });
      expect(byName.data.kind).to.equal('drive#fileList');
      expect(byName.data.files!.map((file) => file.name)).to.deep.equal(['quote-12.txt']);
      expect(Object.keys(byName.data.files![0]!)).to.have.members(['kind', 'id', 'name', 'mimeType']);
      // Without nextPageToken in `fields`, Drive does not return it.
      const narrow = await drive.files.list({ pageSize: 1, fields: 'files(id)' });
      expect(narrow.data).to.have.keys(['files']);

      const trashed = await drive.files.update({ fileId: byName.data.files![0]!.id!, requestBody: { trashed: true } });
      expect(trashed.status).to.equal(200);
      const live = await drive.files.list({ q: `'${folderId}' in parents and not trashed = true` });
      expect(live.data.files!.map((file) => file.name)).to.deep.equal(['invoice.pdf']);
      await drive.files.update({ fileId: byName.data.files![0]!.id!, requestBody: { trashed: false } });

      const badQuery = await failure(drive.files.list({ q: 'name wibble' }));
      expect(badQuery.status).to.equal(400);
      expect(badQuery.data.error.errors[0]).to.include({ reason: 'invalid', location: 'q' });
      expect((await failure(drive.files.list({ pageSize: 1001 }))).status).to.equal(400);
    });

    it('creates permissions (share email recorded) and 404s unknown files', async () => {
      const { data: files } = await drive.files.list({ q: "name = 'quote-12.txt'" });
      const fileId = files.files![0]!.id!;
      const permission = await drive.permissions.create({
        fileId,
        requestBody: { role: 'reader', type: 'user', emailAddress: 'Client@Example.com' },
      });
      expect(permission.data).to.include({ kind: 'drive#permission', type: 'user', role: 'reader' });
      expect(permission.data.emailAddress).to.equal('client@example.com');
      expect(permission.data.id).to.match(/^\d{20}$/);
      const listed = await drive.permissions.list({ fileId });
      expect(listed.data.permissions!.map((item) => item.role)).to.have.members(['owner', 'reader']);
      expect((await deliveries('email')).at(-1)).to.include({ via: 'drive', fileId });

      const anyone = await drive.permissions.create({
        fileId,
        sendNotificationEmail: false,
        requestBody: { role: 'reader', type: 'anyone' },
      });
      expect(anyone.data.id).to.equal('anyoneWithLink');
      const owner = await failure(
        drive.permissions.create({
          fileId,
          requestBody: { role: 'owner', type: 'user', emailAddress: 'x@example.com' },
        }),
      );
      expect(owner.status).to.equal(403);

      const missing = await failure(
        drive.permissions.create({ fileId: 'nope', requestBody: { role: 'reader', type: 'anyone' } }),
      );
      expect(missing).to.deep.equal({
        status: 404,
        data: {
          error: {
            errors: [
              {
                domain: 'global',
                reason: 'notFound',
                message: 'File not found: nope.',
                locationType: 'parameter',
                location: 'fileId',
              },
            ],
            code: 404,
            message: 'File not found: nope.',
          },
        },
      });
    });

    it('finds files by appProperties and properties with `has { key and value }`', async () => {
      const tagged = await drive.files.create({
        requestBody: {
          name: 'tagged.txt',
          appProperties: { dashboardKey: "doc-9'a" },
          properties: { kind: 'quote' },
        },
        fields: 'id,appProperties,properties',
      });
      expect(tagged.data.appProperties).to.deep.equal({ dashboardKey: "doc-9'a" });
      const ids = async (q: string) => ((await drive.files.list({ q })).data.files ?? []).map((file) => file.id);
      expect(
        await ids("appProperties has { key='dashboardKey' and value='doc-9\\'a' } and trashed = false"),
      ).to.deep.equal([tagged.data.id]);
      expect(await ids("appProperties has { key='dashboardKey' and value='doc-9' }")).to.deep.equal([]);
      // Public properties and private app properties are separate.
      expect(await ids("properties has { key='dashboardKey' and value='doc-9\\'a' }")).to.deep.equal([]);
      expect(await ids("properties has { key='kind' and value='quote' }")).to.deep.equal([tagged.data.id]);
      const bad = await failure(drive.files.list({ q: "appProperties has { key='dashboardKey' }" }));
      expect(bad.status).to.equal(400);
    });

    it('forgets Drive files and Gmail history on reset', async () => {
      const { data: profile } = await gmail.users.getProfile({ userId: 'me' });
      await control('/reset', {});
      const { data } = await drive.files.list({});
      expect(data.files).to.deep.equal([]);
      const stale = await failure(gmail.users.history.list({ userId: 'me', startHistoryId: profile.historyId! }));
      expect(stale.status).to.equal(404);
    });
  });
});
