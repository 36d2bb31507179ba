import { expect } from 'chai';
import sgClient, { Client } from '@sendgrid/client';
import eventwebhook from '@sendgrid/eventwebhook';
import sgMail, { MailService, type MailDataRequired } from '@sendgrid/mail';
import {
  createSendgridSimulator,
  sendgridSimulatorWith,
  type SendgridSimulator,
} from '../../sandbox/vendors/sendgrid/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

const { EventWebhook, EventWebhookHeader } = eventwebhook;

interface SendgridInfo {
  baseUrl: string;
  apiKey: string;
  restrictedApiKey: string;
  twilioEmailUsername: string;
  twilioEmailPassword: string;
  eventWebhookPublicKey: string;
  verifiedSenders: string[] | null;
}

interface ErrorBody {
  errors: Array<{ message: string; field: string | null; help?: string | null }>;
}

interface SdkError {
  code: number;
  response: { headers: Record<string, string>; body: ErrorBody };
}

type Event = Record<string, unknown> & { event: string; email: string; sg_message_id: string; sg_event_id: string };

const RATE_LIMIT = 3;
let running: RunningSandbox;
let receiver: WebhookReceiver;
let info: SendgridInfo;

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `control ${path}`).to.be.oneOf([200, 201]);
  return (await response.json()) as Record<string, unknown>;
}

async function sandboxInfo(run: RunningSandbox): Promise<SendgridInfo> {
  const response = await fetch(`${run.controlUrl}/_sandbox`);
  const body = (await response.json()) as { vendors: { sendgrid: SendgridInfo } };
  return body.vendors.sendgrid;
}

/** A Client pointed at the simulator through the SDK's base-URL override (after setApiKey, which resets it). */
function client(apiKey = info.apiKey, baseUrl = info.baseUrl): Client {
  const made = new Client();
  made.setApiKey(apiKey);
  made.setDefaultRequest('baseUrl', `${baseUrl}/`);
  return made;
}

function mailer(apiKey = info.apiKey, baseUrl = info.baseUrl): MailService {
  const service = new MailService();
  service.setClient(client(apiKey, baseUrl));
  return service;
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.have.property('response');
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

const message = (overrides: Partial<MailDataRequired> = {}): MailDataRequired =>
  ({
    to: 'pat@example.com',
    from: { email: 'office@acme-services.test', name: 'Acme Services' },
    subject: 'Your quote is ready',
    text: 'Hello Pat',
    html: '<p>Hello Pat, <a href="https://acme.test/quotes/7">view your quote</a></p>',
    ...overrides,
  }) as MailDataRequired;

/** The webhook POSTs that arrive after `from` (an index into receiver.received). */
async function postsAfter(from: number, count: number): Promise<ReceivedRequest[]> {
  return (await receiver.waitFor(from + count, 5000)).slice(from);
}

const eventsOf = (request: ReceivedRequest): Event[] => JSON.parse(request.rawBody.toString('utf8')) as Event[];

function verified(request: ReceivedRequest, body: Buffer | string = request.rawBody): boolean {
  const webhook = new EventWebhook();
  const key = webhook.convertPublicKeyToECDSA(info.eventWebhookPublicKey);
  const signature = request.headers[EventWebhookHeader.SIGNATURE().toLowerCase()] as string;
  const timestamp = request.headers[EventWebhookHeader.TIMESTAMP().toLowerCase()] as string;
  return webhook.verifySignature(key, body, signature, timestamp);
}

describe('sandbox: SendGrid simulator through @sendgrid/mail and @sendgrid/client', () => {
  before(async () => {
    running = await startSandbox({
      factories: [
        sendgridSimulatorWith({
          rateLimit: { limit: RATE_LIMIT, windowMs: 60_000 },
          eventBatchWindowMs: 150,
          webhookRetryDelaysMs: [100, 100],
          webhookTimeoutMs: 2000,
          engagementEvents: true,
        }),
      ],
      port: 0,
      scale: 'small',
    });
    receiver = await startWebhookReceiver();
    info = await sandboxInfo(running);
    await control('/settings', { rateLimits: false });
  });

  after(async () => {
    await running?.close();
    await receiver?.close();
  });

  describe('POST /v3/mail/send', () => {
    it('accepts a send from the SDK singleton: 202, empty body, X-Message-Id and rate-limit headers', async () => {
      sgMail.setApiKey(info.apiKey);
      // The documented recipe; the typings omit `client`, the runtime object has it.
      (sgMail as unknown as { client: Client }).client.setDefaultRequest('baseUrl', `${info.baseUrl}/`);
      const [response, body] = await sgMail.send(message());
      expect(response.statusCode).to.equal(202);
      expect(body).to.equal('');
      expect(response.headers['x-message-id']).to.match(/^[A-Za-z0-9_-]{22}$/);
      expect(Number(response.headers['x-ratelimit-limit'])).to.equal(RATE_LIMIT);
      expect(response.headers).to.have.property('x-ratelimit-remaining');
      expect(Number(response.headers['x-ratelimit-reset'])).to.be.greaterThan(Date.now() / 1000);
    });

    it('records an email delivery with recipients, subject, categories, custom args and attachments', async () => {
      const customer = running.sandbox.world.customers.find((c) => c.email && !c.deletedAt)!;
      const [response] = await mailer().send(
        message({
          to: [customer.email!, 'second@example.com'],
          cc: 'boss@acme-services.test',
          categories: ['quote', 'follow-up'],
          customArgs: { quoteId: 'Q-7', tenant: 'acme' },
          attachments: [
            {
              content: Buffer.from('%PDF-1.4 quote').toString('base64'),
              filename: 'quote-7.pdf',
              type: 'application/pdf',
            },
          ],
        }),
      );
      const id = response.headers['x-message-id'];
      const [delivery] = running.sandbox.deliveries.list({ vendor: 'sendgrid', kind: 'email' }).slice(-1);
      expect(delivery?.detail).to.deep.include({
        messageId: id,
        from: 'office@acme-services.test',
        fromName: 'Acme Services',
        to: [customer.email, 'second@example.com'],
        cc: ['boss@acme-services.test'],
        subject: 'Your quote is ready',
        text: 'Hello Pat',
        categories: ['quote', 'follow-up'],
        custom_args: { quoteId: 'Q-7', tenant: 'acme' },
        customerKeys: [customer.key],
      });
      expect(delivery?.detail.attachments).to.deep.equal([
        { filename: 'quote-7.pdf', type: 'application/pdf', disposition: 'attachment', bytes: 14 },
      ]);
    });

    it('rejects an invalid body with 400 and SendGrid field paths, through the SDK', async () => {
      const error = await rejection(mailer().send(message({ to: 'not-an-address', subject: undefined })));
      expect(error.code).to.equal(400);
      const fields = error.response.body.errors.map((e) => e.field);
      expect(fields).to.deep.equal(['personalizations.0.to.0.email', 'subject']);
      expect(error.response.body.errors[0]?.message).to.equal('Does not contain a valid address.');
      expect(error.response.body.errors[0]?.help).to.match(/^http:\/\/sendgrid\.com\/docs\//);
      expect(running.sandbox.deliveries.list({ kind: 'email' }).some((d) => d.detail.to === 'not-an-address')).to.equal(
        false,
      );
    });

    it('validates personalizations, from, content, duplicates and attachments (raw body via @sendgrid/client)', async () => {
      const send = (body: unknown) =>
        rejection(client().request({ method: 'POST', url: '/v3/mail/send', body: body as object }));
      const fieldsOf = async (body: unknown) => (await send(body)).response.body.errors.map((e) => e.field);

      expect(
        await fieldsOf({ from: { email: 'a@b.test' }, subject: 's', content: [{ type: 'text/plain', value: 'x' }] }),
      ).to.deep.equal(['personalizations']);
      expect(
        await fieldsOf({
          personalizations: [{ to: [] }, { subject: 'x' }],
          subject: 's',
          content: [{ type: 'text/plain', value: 'x' }],
        }),
      ).to.deep.equal(['personalizations.0.to', 'personalizations.1.to', 'from.email']);
      expect(
        await fieldsOf({
          personalizations: [{ to: [{ email: 'a@x.test' }], cc: [{ email: 'A@x.test' }] }],
          from: { email: 'a@b.test' },
          subject: 's',
          content: [
            { type: 'text/html', value: '<p>x</p>' },
            { type: 'text/plain', value: '' },
          ],
          attachments: [{ content: 'aGk=' }],
        }),
      ).to.deep.equal(['personalizations.0.cc', 'content.1.value', 'attachments.0.filename']);
      // A template carries its own subject and content.
      const [ok] = await client().request({
        method: 'POST',
        url: '/v3/mail/send',
        body: {
          personalizations: [{ to: [{ email: 'a@x.test' }] }],
          from: { email: 'a@b.test' },
          template_id: 'd-123',
        },
      });
      expect(ok.statusCode).to.equal(202);
      const duplicate = await send({
        personalizations: [{ to: [{ email: 'a@x.test' }], bcc: [{ email: 'a@x.test' }] }],
        from: { email: 'a@b.test' },
        subject: 's',
        content: [{ type: 'text/plain', value: 'x' }],
      });
      expect(duplicate.response.body.errors[0]?.message).to.contain(
        'We found the first duplicate instance of [a@x.test]',
      );
    });

    it('answers 400 Bad Request to a body that is not JSON', async () => {
      const response = await fetch(`${info.baseUrl}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.apiKey}`, 'content-type': 'application/json' },
        body: '{"personalizations": [',
      });
      expect(response.status).to.equal(400);
      expect(await response.json()).to.deep.equal({ errors: [{ field: null, message: 'Bad Request', help: null }] });
    });

    it('answers 200 without a delivery in sandbox mode', async () => {
      const before = running.sandbox.deliveries.list({ kind: 'email' }).length;
      const [response, body] = await mailer().send(message({ mailSettings: { sandboxMode: { enable: true } } }));
      expect(response.statusCode).to.equal(200);
      expect(body).to.equal('');
      expect(response.headers).not.to.have.property('x-message-id');
      expect(running.sandbox.deliveries.list({ kind: 'email' })).to.have.length(before);
      // Sandbox mode still validates.
      const error = await rejection(
        mailer().send(message({ subject: undefined, mailSettings: { sandboxMode: { enable: true } } })),
      );
      expect(error.code).to.equal(400);
    });
  });

  describe('auth', () => {
    it('rejects a bad key with 401 and a missing header with 401', async () => {
      const error = await rejection(mailer('SG.not-a-real-key.nope').send(message()));
      expect(error.code).to.equal(401);
      expect(error.response.body).to.deep.equal({
        errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked' }],
      });
      const response = await fetch(`${info.baseUrl}/v3/mail/send`, { method: 'POST', body: '{}' });
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal({ errors: [{ field: null, message: 'authorization required' }] });
    });

    it('answers 403 to a key without the mail.send scope, and lists its scopes', async () => {
      const error = await rejection(mailer(info.restrictedApiKey).send(message()));
      expect(error.code).to.equal(403);
      expect(error.response.body).to.deep.equal({ errors: [{ field: null, message: 'access forbidden' }] });
      const [restricted] = await client(info.restrictedApiKey).request({ method: 'GET', url: '/v3/scopes' });
      expect(restricted.body).to.deep.equal({ scopes: ['scopes.read', 'stats.read'] });
      const [full] = await client().request({ method: 'GET', url: '/v3/scopes' });
      expect((full.body as { scopes: string[] }).scopes).to.include('mail.send');
    });

    it('accepts Twilio Email basic auth (setTwilioEmailAuth)', async () => {
      const basic = new Client();
      basic.setTwilioEmailAuth(info.twilioEmailUsername, info.twilioEmailPassword);
      basic.setDefaultRequest('baseUrl', `${info.baseUrl}/`);
      const service = new MailService();
      service.setClient(basic);
      const [response] = await service.send(message());
      expect(response.statusCode).to.equal(202);
      basic.setTwilioEmailAuth(info.twilioEmailUsername, 'wrong');
      basic.setDefaultRequest('baseUrl', `${info.baseUrl}/`);
      expect((await rejection(service.send(message()))).code).to.equal(401);
    });

    it('serves unknown paths 404 and wrong methods 405 in SendGrid’s error shape', async () => {
      expect((await rejection(client().request({ method: 'GET', url: '/v3/nothing-here' }))).code).to.equal(404);
      const wrong = await rejection(client().request({ method: 'GET', url: '/v3/mail/send' }));
      expect(wrong.code).to.equal(405);
      expect(wrong.response.body.errors[0]).to.deep.equal({ field: null, message: 'method not allowed' });
    });
  });

  describe('rate limits and faults', () => {
    it('counts down X-RateLimit-Remaining and answers 429 once the window is spent', async () => {
      await control('/reset', {});
      await control('/settings', { rateLimits: true });
      try {
        const service = mailer();
        const remaining: number[] = [];
        for (let i = 0; i < RATE_LIMIT; i++) {
          const [response] = await service.send(message());
          remaining.push(Number(response.headers['x-ratelimit-remaining']));
        }
        expect(remaining).to.deep.equal([2, 1, 0]);
        const error = await rejection(service.send(message()));
        expect(error.code).to.equal(429);
        expect(error.response.body).to.deep.equal({ errors: [{ field: null, message: 'too many requests' }] });
        expect(error.response.headers['x-ratelimit-remaining']).to.equal('0');
        const reset = Number(error.response.headers['x-ratelimit-reset']);
        expect(reset).to.be.within(Date.now() / 1000 + 50, Date.now() / 1000 + 61);
        // Another endpoint has its own window.
        const [scopes] = await client().request({ method: 'GET', url: '/v3/scopes' });
        expect(scopes.statusCode).to.equal(200);
      } finally {
        await control('/settings', { rateLimits: false });
      }
      const [response] = await mailer().send(message());
      expect(response.statusCode).to.equal(202);
    });

    it('renders injected throttling and server errors in SendGrid’s shape', async () => {
      await control('/faults', { vendor: 'sendgrid', endpoint: '/v3/mail/send', throttleRate: 1, times: 1 });
      const throttled = await rejection(mailer().send(message()));
      expect(throttled.code).to.equal(429);
      expect(throttled.response.body).to.deep.equal({ errors: [{ field: null, message: 'too many requests' }] });
      expect(throttled.response.headers['x-ratelimit-remaining']).to.equal('0');
      await control('/faults', { vendor: 'sendgrid', errorRate: 1, times: 1 });
      const failed = await rejection(mailer().send(message()));
      expect(failed.code).to.equal(500);
      expect(failed.response.body.errors[0]?.field).to.equal(null);
      const [response] = await mailer().send(message());
      expect(response.statusCode).to.equal(202);
    });
  });

  describe('ids', () => {
    it('derives X-Message-Id from the seed: the same sends after a reset get the same ids', async () => {
      await control('/reset', {});
      const first = (await mailer().send(message()))[0].headers['x-message-id'];
      const second = (await mailer().send(message()))[0].headers['x-message-id'];
      expect(first).not.to.equal(second);
      await control('/reset', {});
      expect((await mailer().send(message()))[0].headers['x-message-id']).to.equal(first);
      await control('/reset', { seed: 7 });
      expect((await mailer().send(message()))[0].headers['x-message-id']).not.to.equal(first);
      await control('/reset', {});
    });
  });

  describe('Event Webhook', () => {
    before(async () => {
      await control('/settings', { webhookUrls: { sendgrid: `${receiver.url}/sendgrid/events` } });
    });

    afterEach(() => receiver.respondWith(200));

    it('posts one signed, batched JSON array of events that @sendgrid/eventwebhook verifies', async () => {
      const start = receiver.received.length;
      const service = mailer();
      const [one] = await service.send(
        message({
          to: ['pat@example.com', 'bounce-old@example.com', 'drop-me@example.com', 'defer-1@example.com'],
          categories: ['quote'],
          customArgs: { quoteId: 'Q-9' },
        }),
      );
      const [two] = await service.send(
        message({ to: 'sam@example.com', trackingSettings: { openTracking: { enable: false } } }),
      );
      const [post] = await postsAfter(start, 1);
      expect(post!.method).to.equal('POST');
      expect(post!.url).to.equal('/sendgrid/events');
      expect(post!.headers['content-type']).to.equal('application/json');
      expect(verified(post!)).to.equal(true);
      const tampered = post!.rawBody.toString('utf8').replace('pat@example.com', 'eve@example.com');
      expect(verified(post!, tampered)).to.equal(false);

      const events = eventsOf(post!);
      const firstId = one.headers['x-message-id'] as string;
      const secondId = two.headers['x-message-id'] as string;
      const summary = events.map((e) => `${e.email}:${e.event}`);
      expect(summary).to.deep.equal([
        'pat@example.com:processed',
        'pat@example.com:delivered',
        'pat@example.com:open',
        'pat@example.com:click',
        'bounce-old@example.com:processed',
        'bounce-old@example.com:bounce',
        'drop-me@example.com:processed',
        'drop-me@example.com:dropped',
        'defer-1@example.com:processed',
        'defer-1@example.com:deferred',
        'defer-1@example.com:delivered',
        'defer-1@example.com:open',
        'defer-1@example.com:click',
        'sam@example.com:processed',
        'sam@example.com:delivered',
        'sam@example.com:click',
      ]);
      const delivered = events.find((e) => e.event === 'delivered')!;
      expect(delivered.sg_message_id.startsWith(`${firstId}.filter`)).to.equal(true);
      expect(delivered).to.include({ quoteId: 'Q-9', 'smtp-id': `<${firstId}@ismtpd0001p1sandbox.sendgrid.net>` });
      expect(delivered.category).to.deep.equal(['quote']);
      expect(delivered.timestamp)
        .to.be.a('number')
        .within(Date.now() / 1000 - 10, Date.now() / 1000 + 1);
      expect(events.at(-1)!.sg_message_id.startsWith(`${secondId}.filter`)).to.equal(true);
      expect(events.find((e) => e.event === 'bounce')).to.include({ type: 'bounce', status: '5.1.1' });
      expect(events.find((e) => e.event === 'dropped')).to.include({ reason: 'Unsubscribed Address' });
      expect(events.find((e) => e.event === 'click')).to.include({ url: 'https://acme.test/quotes/7' });
      expect(new Set(events.map((e) => e.sg_event_id)).size).to.equal(events.length);
    });

    it('drops later sends to a bounced address (suppression list)', async () => {
      const start = receiver.received.length;
      await mailer().send(message({ to: 'bounce-twice@example.com' }));
      const [first] = await postsAfter(start, 1);
      expect(eventsOf(first!).map((e) => e.event)).to.deep.equal(['processed', 'bounce']);
      await mailer().send(message({ to: 'Bounce-Twice@example.com' }));
      const [second] = await postsAfter(start + 1, 1);
      expect(eventsOf(second!).find((e) => e.event === 'dropped')).to.include({ reason: 'Bounced Address' });
    });

    it('retries a batch after a 500, each attempt signed', async () => {
      const start = receiver.received.length;
      receiver.respondWith((_request, index) => (index === start ? 500 : 200));
      await mailer().send(message({ to: 'retry@example.com' }));
      const [failed, retried] = await postsAfter(start, 2);
      expect(retried!.rawBody.equals(failed!.rawBody)).to.equal(true);
      expect(verified(failed!)).to.equal(true);
      expect(verified(retried!)).to.equal(true);
      await running.sandbox.webhooks.drain();
      const attempts = running.sandbox.deliveries
        .list({ vendor: 'sendgrid', kind: 'webhook' })
        .filter((d) => String(d.detail.body).includes('retry@example.com'))
        .map((d) => [d.detail.attempt, d.detail.status]);
      expect(attempts).to.deep.equal([
        [1, 500],
        [2, 200],
      ]);
    });

    it('publishes the verification key at /v3/user/webhooks/event/settings/signed', async () => {
      const [response] = await client().request({ method: 'GET', url: '/v3/user/webhooks/event/settings/signed' });
      expect(response.body).to.deep.equal({ public_key: info.eventWebhookPublicKey });
      const error = await rejection(
        client(info.restrictedApiKey).request({ method: 'GET', url: '/v3/user/webhooks/event/settings/signed' }),
      );
      expect(error.code).to.equal(403);
    });

    it('sends no events when no webhook URL is configured', async () => {
      await control('/settings', { webhookUrls: { sendgrid: null } });
      const start = receiver.received.length;
      try {
        await mailer().send(message({ to: 'quiet@example.com' }));
      } finally {
        await control('/settings', { webhookUrls: { sendgrid: `${receiver.url}/sendgrid/events` } });
      }
      // Nothing was queued for later either: a flush with the URL back finds no events.
      await (running.simulators.get('sendgrid') as SendgridSimulator).flushEvents();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received.length).to.equal(start);
    });
  });
});

describe('sandbox: SendGrid simulator defaults and sender identities', () => {
  it('works with the plain factory: documented defaults in info() and headers', async () => {
    const run = await startSandbox({ factories: [createSendgridSimulator], port: 0, scale: 'small' });
    try {
      const published = await sandboxInfo(run);
      expect(published.apiKey).to.match(/^SG\./);
      expect(published.verifiedSenders).to.equal(null);
      expect(Buffer.from(published.eventWebhookPublicKey, 'base64').length).to.equal(91); // P-256 SPKI DER
      sgClient.setApiKey(published.apiKey);
      sgClient.setDefaultRequest('baseUrl', `${published.baseUrl}/`);
      const [response] = await sgClient.request({ method: 'GET', url: '/v3/scopes' });
      expect(response.headers['x-ratelimit-limit']).to.equal('10000');
    } finally {
      await run.close();
    }
  });

  it('posts a batch early once it reaches the size cap, each part signed', async () => {
    const run = await startSandbox({
      factories: [sendgridSimulatorWith({ eventBatchMaxBytes: 1500, eventBatchWindowMs: 60_000 })],
      port: 0,
      scale: 'small',
    });
    const sink = await startWebhookReceiver();
    try {
      const published = await sandboxInfo(run);
      run.sandbox.settings.webhookUrls.sendgrid = sink.url;
      // 20 events of about 280 bytes: at least 3 full batches go out at once, the rest waits for the window.
      const to = Array.from({ length: 10 }, (_, index) => `customer${index}@example.com`);
      await mailer(published.apiKey, published.baseUrl).send(message({ to }));
      // The 60 s window has not ended: only the size cap can have sent these.
      const posts = await sink.waitFor(3, 3000);
      const key = new EventWebhook().convertPublicKeyToECDSA(published.eventWebhookPublicKey);
      for (const post of posts) {
        expect(post.rawBody.length).to.be.at.most(1500);
        const signature = post.headers['x-twilio-email-event-webhook-signature'] as string;
        const timestamp = post.headers['x-twilio-email-event-webhook-timestamp'] as string;
        expect(new EventWebhook().verifySignature(key, post.rawBody, signature, timestamp)).to.equal(true);
      }
      await (run.simulators.get('sendgrid') as SendgridSimulator).flushEvents();
      expect(sink.received.length).to.be.greaterThan(3);
      const all = sink.received.flatMap(eventsOf);
      expect(all.map((e) => `${e.email}:${e.event}`)).to.deep.equal(
        to.flatMap((email) => [`${email}:processed`, `${email}:delivered`]),
      );
    } finally {
      await run.close();
      await sink.close();
    }
  });

  it('answers 403 to a sender that is not a verified Sender Identity', async () => {
    const run = await startSandbox({
      factories: [sendgridSimulatorWith({ verifiedSenders: ['@acme-services.test', 'owner@gmail.test'] })],
      port: 0,
      scale: 'small',
    });
    try {
      const published = await sandboxInfo(run);
      const service = mailer(published.apiKey, published.baseUrl);
      expect((await service.send(message()))[0].statusCode).to.equal(202);
      expect((await service.send(message({ from: 'owner@gmail.test' })))[0].statusCode).to.equal(202);
      const error = await rejection(service.send(message({ from: 'someone@elsewhere.test' })));
      expect(error.code).to.equal(403);
      expect(error.response.body.errors[0]?.field).to.equal('from');
      expect(error.response.body.errors[0]?.message).to.contain('verified Sender Identity');
    } finally {
      await run.close();
    }
  });
});
