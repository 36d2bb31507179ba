import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import twilio from 'twilio';
import { twilioSimulatorWith } from '../../sandbox/vendors/twilio/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

interface TwilioInfo {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  apiKeySid: string;
  apiKeySecret: string;
  phoneNumbers: string[];
  messagingServiceSids: string[];
}

const OPTED_OUT = '+15550001111';
const FROM_CUSTOMER = '+15125550199';

let running: RunningSandbox;
let receiver: WebhookReceiver;
let info: TwilioInfo;
let client: twilio.Twilio;

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `control ${path}`).to.be.oneOf([200, 201]);
  return (await response.json()) as Record<string, unknown>;
}

/** A client configured only through the SDK's documented override (`client.api.baseUrl`). */
function sdk(username: string, password: string, opts: twilio.ClientOpts = {}): twilio.Twilio {
  const made = twilio(username, password, opts);
  made.api.baseUrl = info.baseUrl;
  return made;
}

async function rejection(promise: Promise<unknown>): Promise<twilio.RestException> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(twilio.RestException);
    return error as twilio.RestException;
  }
  throw new Error('expected the call to fail');
}

async function requestsTo(path: string, count: number, timeoutMs = 5000): Promise<ReceivedRequest[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = receiver.received.filter((request) => new URL(request.url, receiver.url).pathname === path);
    if (matching.length >= count) return matching;
    if (Date.now() > deadline) throw new Error(`expected ${count} requests to ${path}, got ${matching.length}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function formOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
}

/** The app's check: Twilio's own validator over the URL we configured and the POSTed params. */
function signedByTwilio(request: ReceivedRequest, configuredUrl: string, token = info.authToken): boolean {
  const signature = request.headers['x-twilio-signature'];
  return typeof signature === 'string' && twilio.validateRequest(token, signature, configuredUrl, formOf(request));
}

describe('sandbox: Twilio Programmable Messaging', function () {
  this.timeout(20_000);

  before(async () => {
    receiver = await startWebhookReceiver();
    running = await startSandbox({
      factories: [
        twilioSimulatorWith({
          stepDelayMs: 30,
          callbackRetryDelayMs: 20,
          unsubscribed: [OPTED_OUT],
          rateLimit: { requestsPerSecond: 5, concurrency: 100 },
        }),
      ],
      port: 0,
      scale: 'small',
    });
    const state = await control('/');
    info = (state.vendors as Record<string, TwilioInfo>).twilio!;
    expect(info.baseUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    client = sdk(info.accountSid, info.authToken);
    await control('/settings', { rateLimits: false });
  });

  after(async () => {
    await running?.close();
    await receiver?.close();
  });

  describe('sending', () => {
    it('creates a queued message, answers 201 with the message and records an sms delivery', async () => {
      const message = await client.messages.create({ to: '+15125550123', from: info.phoneNumbers[0], body: 'Hello' });
      expect(message.sid).to.match(/^SM[0-9a-f]{32}$/);
      expect(message).to.include({
        status: 'queued',
        to: '+15125550123',
        from: info.phoneNumbers[0],
        body: 'Hello',
        direction: 'outbound-api',
        numSegments: '1',
        numMedia: '0',
        accountSid: info.accountSid,
        apiVersion: '2010-04-01',
        errorCode: null,
      });
      expect(message.dateCreated).to.be.instanceOf(Date);
      expect(Math.abs(message.dateCreated.getTime() - Date.now())).to.be.below(5000);
      expect(message.uri).to.equal(`/2010-04-01/Accounts/${info.accountSid}/Messages/${message.sid}.json`);

      const { deliveries } = (await control('/deliveries?vendor=twilio&kind=sms')) as {
        deliveries: Array<{ detail: Record<string, unknown> }>;
      };
      const sent = deliveries.find((delivery) => delivery.detail.sid === message.sid);
      expect(sent?.detail).to.include({ to: '+15125550123', from: info.phoneNumbers[0], body: 'Hello' });
    });

    it('posts signed status callbacks for sent then delivered, never for the initial status', async () => {
      const callbackUrl = `${receiver.url}/status/ok?ref=a%20b`;
      const message = await client.messages.create({
        to: '+15125550124',
        from: info.phoneNumbers[0],
        body: 'Your crew is on the way',
        statusCallback: callbackUrl,
      });
      const callbacks = await requestsTo('/status/ok', 2);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(receiver.received.filter((r) => r.url.startsWith('/status/ok'))).to.have.length(2);

      expect(callbacks.map((request) => formOf(request).MessageStatus)).to.deep.equal(['sent', 'delivered']);
      for (const request of callbacks) {
        expect(request.method).to.equal('POST');
        expect(request.url).to.equal('/status/ok?ref=a%20b');
        expect(request.headers['content-type']).to.equal('application/x-www-form-urlencoded');
        expect(signedByTwilio(request, callbackUrl)).to.equal(true);
        expect(signedByTwilio(request, callbackUrl, 'not-the-auth-token')).to.equal(false);
        expect(formOf(request)).to.include({
          MessageSid: message.sid,
          SmsSid: message.sid,
          AccountSid: info.accountSid,
          From: info.phoneNumbers[0],
          To: '+15125550124',
          ApiVersion: '2010-04-01',
        });
        expect(formOf(request)).to.not.have.property('ErrorCode');
      }
      const fetched = await client.messages(message.sid).fetch();
      expect(fetched.status).to.equal('delivered');
      expect(fetched.dateSent).to.be.instanceOf(Date);
      expect(Number(fetched.price)).to.be.below(0);
    });

    it('fails configured recipients: sent then undelivered with ErrorCode 30003', async () => {
      const message = await client.messages.create({
        to: '+15125550000',
        from: info.phoneNumbers[1],
        body: 'Invoice ready',
        statusCallback: `${receiver.url}/status/fail`,
      });
      expect(message.status).to.equal('queued');
      const callbacks = await requestsTo('/status/fail', 2);
      expect(callbacks.map((request) => formOf(request).MessageStatus)).to.deep.equal(['sent', 'undelivered']);
      expect(formOf(callbacks[1]!).ErrorCode).to.equal('30003');
      expect(signedByTwilio(callbacks[1]!, `${receiver.url}/status/fail`)).to.equal(true);
      const fetched = await client.messages(message.sid).fetch();
      expect(fetched).to.include({ status: 'undelivered', errorCode: 30003 });
      const { deliveries } = (await control('/deliveries?vendor=twilio&kind=sms')) as {
        deliveries: Array<{ detail: Record<string, unknown> }>;
      };
      expect(deliveries.find((delivery) => delivery.detail.sid === message.sid)?.detail).to.include({
        status: 'undelivered',
        errorCode: 30003,
      });
    });

    it('accepts a Messaging Service send: accepted with no sender, then queued, sent, delivered', async () => {
      const service = info.messagingServiceSids[0]!;
      const message = await client.messages.create({
        to: '+15125550125',
        messagingServiceSid: service,
        body: 'Via service',
        statusCallback: `${receiver.url}/status/service`,
      });
      expect(message).to.include({ status: 'accepted', messagingServiceSid: service, from: null });
      const callbacks = await requestsTo('/status/service', 3);
      expect(callbacks.map((request) => formOf(request).MessageStatus)).to.deep.equal(['queued', 'sent', 'delivered']);
      expect(formOf(callbacks[0]!)).to.include({ MessagingServiceSid: service, From: info.phoneNumbers[0] });
    });

    it('sends MMS: repeated MediaUrl, an MM sid and num_media', async () => {
      const mediaUrl = ['https://example.com/a.jpg', 'https://example.com/b.jpg'];
      const message = await client.messages.create({ to: '+15125550126', from: info.phoneNumbers[0], mediaUrl });
      expect(message.sid).to.match(/^MM[0-9a-f]{32}$/);
      expect(message.numMedia).to.equal('2');
      const { deliveries } = (await control('/deliveries?vendor=twilio&kind=sms')) as {
        deliveries: Array<{ detail: Record<string, unknown> }>;
      };
      expect(deliveries.find((delivery) => delivery.detail.sid === message.sid)?.detail.mediaUrls).to.deep.equal(
        mediaUrl,
      );
    });

    it('counts segments: 153 GSM-7 characters per part, 67 UCS-2', async () => {
      const long = await client.messages.create({
        to: '+15125550127',
        from: info.phoneNumbers[0],
        body: 'a'.repeat(161),
      });
      expect(long.numSegments).to.equal('2');
      const emoji = await client.messages.create({
        to: '+15125550127',
        from: info.phoneNumbers[0],
        body: '🙂'.repeat(36),
      });
      expect(emoji.numSegments).to.equal('2');
    });
  });

  describe('errors', () => {
    it('rejects an invalid To with 400 / 21211', async () => {
      const error = await rejection(client.messages.create({ to: '555-1234', from: info.phoneNumbers[0], body: 'x' }));
      expect(error).to.include({ status: 400, code: 21211, moreInfo: 'https://www.twilio.com/docs/errors/21211' });
      expect(error.message).to.contain('555-1234');
    });

    it('rejects a From that is not one of the account numbers with 21606', async () => {
      const error = await rejection(client.messages.create({ to: '+15125550123', from: '+15559998888', body: 'x' }));
      expect(error).to.include({ status: 400, code: 21606 });
    });

    it('rejects an unsubscribed recipient with 21610 and sends nothing', async () => {
      const before = running.sandbox.deliveries.list({ vendor: 'twilio', kind: 'sms' }).length;
      const error = await rejection(client.messages.create({ to: OPTED_OUT, from: info.phoneNumbers[0], body: 'x' }));
      expect(error).to.include({ status: 400, code: 21610 });
      expect(running.sandbox.deliveries.list({ vendor: 'twilio', kind: 'sms' })).to.have.length(before);
    });

    it('rejects a message without body or media (21602) and without sender (21603)', async () => {
      const noBody = await rejection(client.messages.create({ to: '+15125550123', from: info.phoneNumbers[0] }));
      expect(noBody.code).to.equal(21602);
      const noSender = await rejection(client.messages.create({ to: '+15125550123', body: 'x' }));
      expect(noSender.code).to.equal(21603);
    });

    it('answers 404 / 20404 for an unknown message', async () => {
      const sid = `SM${'0'.repeat(32)}`;
      const error = await rejection(client.messages(sid).fetch());
      expect(error).to.include({ status: 404, code: 20404 });
      expect(error.message).to.contain(`/Messages/${sid}.json`);
    });

    it('answers 401 / 20003 for a wrong auth token, another account, or no credentials', async () => {
      const wrong = await rejection(sdk(info.accountSid, 'wrong-token').messages.list({ limit: 1 }));
      expect(wrong).to.include({ status: 401, code: 20003, message: 'Authenticate' });
      const otherAccount = `AC${'1'.repeat(32)}`;
      const foreign = sdk(info.apiKeySid, info.apiKeySecret, { accountSid: otherAccount });
      expect(await rejection(foreign.messages.list({ limit: 1 }))).to.include({ status: 401, code: 20003 });
      const anonymous = await fetch(`${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/Messages.json`);
      expect(anonymous.status).to.equal(401);
      expect(anonymous.headers.get('www-authenticate')).to.contain('Basic');
      expect(await anonymous.json()).to.include({ code: 20003, status: 401 });
    });

    it('accepts an API key (SK…:secret) with the accountSid option', async () => {
      const keyed = sdk(info.apiKeySid, info.apiKeySecret, { accountSid: info.accountSid });
      const message = await keyed.messages.create({ to: '+15125550128', from: info.phoneNumbers[0], body: 'key' });
      expect(message.accountSid).to.equal(info.accountSid);
      const account = await keyed.api.v2010.accounts(info.accountSid).fetch();
      expect(account).to.include({ sid: info.accountSid, status: 'active' });
    });

    it('throttles with 429 / 20429 past the per-second limit when rate limits are on', async () => {
      await control('/settings', { rateLimits: true });
      try {
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.messages.list({ limit: 1 })));
        const rejected = results.filter((result) => result.status === 'rejected');
        expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(5);
        expect(rejected).to.have.length(3);
        for (const result of rejected) {
          expect((result as PromiseRejectedResult).reason).to.include({ status: 429, code: 20429 });
        }
      } finally {
        await control('/settings', { rateLimits: false });
      }
      expect(await client.messages.list({ limit: 1 })).to.have.length(1);
    });

    it('renders injected faults in Twilio shapes; the SDK autoRetry option retries a 429', async () => {
      await control('/faults', { vendor: 'twilio', endpoint: 'Messages', errorRate: 1, times: 1 });
      expect(await rejection(client.messages.list({ limit: 1 }))).to.include({ status: 500, code: 20500 });
      await control('/faults', { vendor: 'twilio', endpoint: 'Messages', throttleRate: 1, times: 1 });
      expect(await rejection(client.messages.list({ limit: 1 }))).to.include({ status: 429, code: 20429 });
      await control('/faults', { vendor: 'twilio', endpoint: 'Messages', throttleRate: 1, times: 2 });
      const patient = sdk(info.accountSid, info.authToken, { autoRetry: true, maxRetryDelay: 50 });
      expect(await patient.messages.list({ limit: 1 })).to.have.length(1);
      expect(((await control('/faults')) as { faults: unknown[] }).faults).to.have.length(0);
    });
  });

  describe('reading', () => {
    const to = '+15557770001';
    const sids: string[] = [];

    before(async () => {
      for (let n = 0; n < 5; n += 1) {
        const message = await client.messages.create({ to, from: info.phoneNumbers[0], body: `paged ${n}` });
        sids.unshift(message.sid);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });

    it('fetches a message by SID', async () => {
      const message = await client.messages(sids[0]!).fetch();
      expect(message).to.include({ sid: sids[0], to, body: 'paged 4' });
    });

    it('lists newest first across pages of 2 (list and each)', async () => {
      const listed = await client.messages.list({ to, pageSize: 2 });
      expect(listed.map((message) => message.sid)).to.deep.equal(sids);
      const limited = await client.messages.list({ pageSize: 2, limit: 5 });
      expect(limited).to.have.length(5);
      const dates = limited.map((message) => message.dateCreated.getTime());
      expect(dates).to.deep.equal([...dates].sort((a, b) => b - a));
      const seen: string[] = [];
      await client.messages.each({ to, pageSize: 2 }, (message) => seen.push(message.sid));
      expect(seen).to.deep.equal(sids);
    });

    it('returns a relative next_page_uri with PageToken and null at the end', async () => {
      const first = await client.messages.page({ to, pageSize: 2 });
      expect(first.instances.map((message) => message.sid)).to.deep.equal(sids.slice(0, 2));
      expect(first.nextPageUrl).to.equal(
        `${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/Messages.json?To=%2B15557770001&PageSize=2&Page=1&PageToken=PA${sids[1]}`,
      );
      const second = await first.nextPage();
      expect(second!.instances.map((message) => message.sid)).to.deep.equal(sids.slice(2, 4));
      const third = await second!.nextPage();
      expect(third!.instances.map((message) => message.sid)).to.deep.equal(sids.slice(4));
      expect(third!.nextPageUrl).to.equal(undefined);
      const back = await third!.previousPage();
      expect(back!.instances.map((message) => message.sid)).to.deep.equal(sids.slice(2, 4));
      const raw = await fetch(
        `${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/Messages.json?To=${encodeURIComponent(to)}`,
        {
          headers: { authorization: `Basic ${Buffer.from(`${info.accountSid}:${info.authToken}`).toString('base64')}` },
        },
      );
      const body = (await raw.json()) as Record<string, unknown>;
      expect(body).to.include({ page: 0, page_size: 50, start: 0, end: 4, next_page_uri: null });
    });

    it('filters by From and by DateSent', async () => {
      const fromSecond = await client.messages.list({ from: info.phoneNumbers[1], pageSize: 50 });
      expect(fromSecond.length).to.be.greaterThan(0);
      expect(fromSecond.every((message) => message.from === info.phoneNumbers[1])).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const recent = await client.messages.list({ to, dateSentAfter: new Date(Date.now() - 60_000) });
      expect(recent.map((message) => message.sid)).to.deep.equal(sids);
      const old = await client.messages.list({ to, dateSentBefore: new Date(Date.now() - 60_000) });
      expect(old).to.have.length(0);
    });

    it('deletes a message: 204, then 404', async () => {
      const message = await client.messages.create({ to: '+15557770002', from: info.phoneNumbers[0], body: 'gone' });
      expect(await client.messages(message.sid).remove()).to.equal(true);
      expect(await rejection(client.messages(message.sid).fetch())).to.include({ status: 404, code: 20404 });
    });
  });

  describe('inbound SMS', () => {
    it('posts a signed inbound-message webhook for a control-API sms and logs the message', async () => {
      const url = `${receiver.url}/inbound`;
      await control('/settings', { webhookUrls: { twilio: url } });
      try {
        await control('/mutate', {
          entity: 'sms',
          action: 'create',
          changes: { from: FROM_CUSTOMER, to: info.phoneNumbers[0], body: 'Running late?' },
        });
        const [request] = await requestsTo('/inbound', 1);
        expect(signedByTwilio(request!, url)).to.equal(true);
        const params = formOf(request!);
        expect(params).to.include({
          AccountSid: info.accountSid,
          From: FROM_CUSTOMER,
          To: info.phoneNumbers[0],
          Body: 'Running late?',
          NumMedia: '0',
          SmsStatus: 'received',
          ApiVersion: '2010-04-01',
        });
        expect(params.MessageSid).to.match(/^SM[0-9a-f]{32}$/);
        const logged = await client.messages(params.MessageSid!).fetch();
        expect(logged).to.include({ direction: 'inbound', status: 'received', from: FROM_CUSTOMER });
      } finally {
        await control('/settings', { webhookUrls: { twilio: null } });
      }
    });

    it('retries a failed webhook per the #rc override, with the same idempotency token', async () => {
      const url = `${receiver.url}/flaky#rc=2`;
      receiver.respondWith((request) => (request.url.startsWith('/flaky') ? 503 : 200));
      await control('/settings', { webhookUrls: { twilio: url } });
      try {
        await control('/mutate', { entity: 'sms', action: 'create', changes: { from: FROM_CUSTOMER, body: 'hi' } });
        const attempts = await requestsTo('/flaky', 3);
        await running.sandbox.webhooks.drain();
        expect(receiver.received.filter((r) => r.url.startsWith('/flaky'))).to.have.length(3);
        expect(new Set(attempts.map((r) => r.headers['i-twilio-idempotency-token'])).size).to.equal(1);
        for (const attempt of attempts) expect(signedByTwilio(attempt, `${receiver.url}/flaky`)).to.equal(true);
      } finally {
        receiver.respondWith(200);
        await control('/settings', { webhookUrls: { twilio: null } });
      }
    });

    it('honours STOP and START from a customer', async () => {
      const mutateSms = (body: string) =>
        control('/mutate', { entity: 'sms', action: 'create', changes: { from: FROM_CUSTOMER, body } });
      await mutateSms('stop');
      const blocked = await rejection(
        client.messages.create({ to: FROM_CUSTOMER, from: info.phoneNumbers[0], body: 'x' }),
      );
      expect(blocked.code).to.equal(21610);
      await mutateSms('START');
      const allowed = await client.messages.create({ to: FROM_CUSTOMER, from: info.phoneNumbers[0], body: 'x' });
      expect(allowed.status).to.equal('queued');
    });
  });

  describe('world and reset', () => {
    it('reset drops sent messages and restarts SIDs deterministically', async () => {
      running.reset();
      const first = await client.messages.create({ to: '+15125550129', from: info.phoneNumbers[0], body: 'a' });
      running.reset();
      expect(await rejection(client.messages(first.sid).fetch())).to.include({ status: 404 });
      const again = await client.messages.create({ to: '+15125550129', from: info.phoneNumbers[0], body: 'a' });
      expect(again.sid).to.equal(first.sid);
    });

    it('shows appointment reminders to customers, respecting Twilio variants', async () => {
      running.reset();
      const world = running.sandbox.world;
      const DAY = 86_400_000;
      const reminded = (customerKey: number) =>
        world.jobs.filter(
          (job) =>
            job.customerKey === customerKey &&
            job.startAt !== null &&
            job.startAt - DAY <= world.generatedAt &&
            job.createdAt <= job.startAt - DAY,
        ).length;
      const candidates = world.customers.filter((customer) => customer.phone && reminded(customer.key) > 0);
      const [hidden, renumbered, plain] = candidates;
      type Variants = Record<string, { missing?: boolean; phone?: string }>;
      (hidden!.variants as Variants).twilio = { missing: true };
      (renumbered!.variants as Variants).twilio = { phone: '+15553334444' };

      const all = await client.messages.list({ pageSize: 1000 });
      expect(all.length).to.be.greaterThan(20);
      expect(all.filter((message) => message.to === hidden!.phone)).to.have.length(0);
      expect(all.filter((message) => message.to === '+15553334444')).to.have.length(reminded(renumbered!.key));
      const toPlain = all.filter((message) => message.to === plain!.phone);
      expect(toPlain).to.have.length(reminded(plain!.key));
      expect(toPlain[0]!.body).to.contain(plain!.firstName);
      expect(toPlain[0]!.sid).to.match(/^SM[0-9a-f]{32}$/);
      expect(toPlain[0]!.dateSent!.getTime()).to.be.at.most(world.generatedAt + 1000);
    });
  });

  describe('concurrency limit', () => {
    let limited: RunningSandbox;

    before(async () => {
      limited = await startSandbox({
        factories: [twilioSimulatorWith({ rateLimit: { concurrency: 1, requestsPerSecond: 1000 } })],
        port: 0,
        scale: 'small',
      });
    });

    after(async () => {
      await limited?.close();
    });

    it('answers 429 / 20429 while the account already has the allowed number of requests open', async () => {
      const base = limited.sandbox.baseUrl('twilio');
      const path = `/2010-04-01/Accounts/${info.accountSid}/Messages.json`;
      const body = new URLSearchParams({ To: '+15125550130', From: info.phoneNumbers[0]!, Body: 'slow' }).toString();
      // A create whose body is still on its way holds the account's only slot.
      const slow = httpRequest(`${base}${path}`, {
        method: 'POST',
        auth: `${info.accountSid}:${info.authToken}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      });
      const slowStatus = new Promise<number>((resolve, reject) => {
        slow.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        slow.on('error', reject);
      });
      slow.write(body.slice(0, 5));
      slow.flushHeaders();
      await new Promise((resolve) => setTimeout(resolve, 100));

      const other = twilio(info.accountSid, info.authToken);
      other.api.baseUrl = base;
      expect(await rejection(other.messages.list({ limit: 1 }))).to.include({ status: 429, code: 20429 });
      slow.end(body.slice(5));
      expect(await slowStatus).to.equal(201);
      expect(await other.messages.list({ limit: 1 })).to.have.length(1);
    });
  });
});
