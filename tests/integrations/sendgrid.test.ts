import { createServer } from 'node:net';
import { Client } from '@sendgrid/client';
import { expect } from 'chai';
import type { VendorError, VendorErrorKind } from '../../integrations/core/errors.js';
import { createSendgridClient, type EmailSend, type SendgridClient } from '../../integrations/sendgrid/client.js';
import { toVendorError } from '../../integrations/sendgrid/errors.js';
import { parseEventBatch } from '../../integrations/sendgrid/payloads.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { sendgridSimulatorWith, type SendgridSimulator } from '../../sandbox/vendors/sendgrid/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { expectVendorError, sandboxControl, vendorFailure } from '../support/vendor-testing.js';

/*
 * The SendGrid client against the SendGrid simulator over real HTTP (@sendgrid/mail on a @sendgrid/client whose
 * baseUrl is the sandbox). What "went out" is read from the sandbox's delivery log, not from the client.
 */

interface SendgridInfo {
  baseUrl: string;
  apiKey: string;
  restrictedApiKey: string;
}

interface Delivery {
  detail: Record<string, unknown>;
}

describe('integrations: SendGrid client', function () {
  this.timeout(20_000);
  let running: RunningSandbox;
  let receiver: WebhookReceiver;
  let info: SendgridInfo;
  let sendgrid: SendgridClient;

  const email = (overrides: Partial<EmailSend> = {}): EmailSend => ({
    idempotencyKey: 'msg-1',
    to: 'pat@example.com',
    from: { email: 'office@acme-services.test', name: 'Acme Services' },
    subject: 'Your quote is ready',
    text: 'Hello Pat',
    ...overrides,
  });

  const control = (path: string, body?: unknown) => sandboxControl(running.controlUrl)(path, body);

  async function emailDeliveries(): Promise<Delivery[]> {
    return ((await control('/deliveries?vendor=sendgrid&kind=email')) as { deliveries: Delivery[] }).deliveries;
  }

  const vendorError = vendorFailure;

  const expectKind = (error: VendorError, kind: VendorErrorKind, retryable: boolean) =>
    expectVendorError(error, 'sendgrid', kind, retryable);

  before(async () => {
    receiver = await startWebhookReceiver();
    running = await startSandbox({
      factories: [
        sendgridSimulatorWith({
          eventBatchWindowMs: 60_000,
          webhookRetryDelaysMs: [100],
          rateLimit: { limit: 10_000, windowMs: 30_000 },
        }),
      ],
      port: 0,
      scale: 'small',
    });
    info = ((await control('/')).vendors as Record<string, SendgridInfo>).sendgrid!;
    await control('/settings', { rateLimits: false });
    sendgrid = createSendgridClient({ apiKey: info.apiKey, endpointUrl: info.baseUrl });
  });

  after(async () => {
    await running?.close();
    await receiver?.close();
  });

  describe('sending', () => {
    it('sends an email the sandbox records, with the key in custom_args, and returns X-Message-Id', async () => {
      const accepted = await sendgrid.sendEmail(email({ idempotencyKey: 'msg-101', html: '<p>Hello Pat</p>' }));
      expect(accepted.messageId).to.match(/^[A-Za-z0-9_-]{22}$/);
      const delivery = (await emailDeliveries()).find((entry) => entry.detail.messageId === accepted.messageId);
      expect(delivery?.detail).to.deep.include({
        to: ['pat@example.com'],
        from: 'office@acme-services.test',
        fromName: 'Acme Services',
        subject: 'Your quote is ready',
        text: 'Hello Pat',
        html: '<p>Hello Pat</p>',
        custom_args: { idempotency_key: 'msg-101' },
      });
    });

    it('refuses an email without content before calling SendGrid', async () => {
      const before = (await emailDeliveries()).length;
      const error = await vendorError(sendgrid.sendEmail(email({ text: undefined })));
      expectKind(error, 'validation', false);
      expect(await emailDeliveries()).to.have.length(before);
    });

    it('reads Event Webhook events back into our terms: key, message id, event', async () => {
      await control('/settings', { webhookUrls: { sendgrid: `${receiver.url}/sendgrid/events` } });
      try {
        const before = receiver.received.length;
        const accepted = await sendgrid.sendEmail(email({ idempotencyKey: 'msg-102', to: 'bounce-1@example.com' }));
        await (running.simulators.get('sendgrid') as SendgridSimulator).flushEvents();
        const [post] = (await receiver.waitFor(before + 1, 5000)).slice(before);
        const events = parseEventBatch(JSON.parse(post!.rawBody.toString('utf8')));
        expect(events.map((event) => event.event)).to.include.members(['processed', 'bounce']);
        for (const event of events) {
          expect(event).to.include({
            idempotencyKey: 'msg-102',
            messageId: accepted.messageId,
            email: 'bounce-1@example.com',
          });
          expect(event.eventId).to.be.a('string').and.not.equal('');
        }
        expect(events.find((event) => event.event === 'bounce')?.reason).to.be.a('string');
      } finally {
        await control('/settings', { webhookUrls: { sendgrid: null } });
      }
      expect(() => parseEventBatch({ event: 'processed' })).to.throw(/not an array/);
      expect(() => parseEventBatch([{ event: 'processed' }])).to.throw(/sg_event_id/);
    });
  });

  describe('finding a send again (Email Activity)', () => {
    it('findSent finds the X-Message-Id of a send by its key, and null for a key never sent', async () => {
      const notBefore = new Date();
      const accepted = await sendgrid.sendEmail(email({ idempotencyKey: 'msg-201' }));
      const other = await sendgrid.sendEmail(email({ idempotencyKey: 'msg-202', to: 'sam@example.com' }));
      expect(other.messageId).to.not.equal(accepted.messageId);
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-201' })).to.deep.equal(accepted);
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-201', notBefore })).to.deep.equal(accepted);
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-202', notBefore })).to.deep.equal(other);
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-never-sent' })).to.equal(null);
      // A key that is a prefix of a sent one is a different send.
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-20' })).to.equal(null);
      const later = new Date(Date.now() + 60 * 60 * 1000);
      expect(await sendgrid.findSent({ idempotencyKey: 'msg-201', notBefore: later })).to.equal(null);
    });

    it("SendGrid's 400 for a query it cannot parse is validation, and an unquotable key is refused first", async () => {
      const raw = new Client();
      raw.setApiKey(info.apiKey);
      raw.setDefaultRequest('baseUrl', `${info.baseUrl}/`);
      const refusal = await raw.request({ method: 'GET', url: '/v3/messages', qs: { query: 'bad_field="x"' } }).then(
        () => expect.fail('the query should be refused'),
        (error: unknown) => error,
      );
      const mapped = toVendorError(refusal);
      expectKind(mapped, 'validation', false);
      expect(mapped.details.status).to.equal(400);
      expect(mapped.message).to.match(/'bad_field' is not a known field/);
      expectKind(await vendorError(sendgrid.findSent({ idempotencyKey: 'msg-"1"' })), 'validation', false);
    });

    it('a key without email_activity.read is auth_revoked (403); a 7th lookup a minute is rate_limited', async () => {
      const restricted = createSendgridClient({ apiKey: info.restrictedApiKey, endpointUrl: info.baseUrl });
      const forbidden = await vendorError(restricted.findSent({ idempotencyKey: 'msg-201' }));
      expectKind(forbidden, 'auth_revoked', false);
      expect(forbidden.details.status).to.equal(403);
      await control('/reset', {});
      await control('/settings', { rateLimits: true });
      try {
        for (let lookup = 0; lookup < 6; lookup++) {
          expect(await sendgrid.findSent({ idempotencyKey: `msg-${lookup}` })).to.equal(null);
        }
        const throttled = await vendorError(sendgrid.findSent({ idempotencyKey: 'msg-7' }));
        expectKind(throttled, 'rate_limited', true);
        expect(throttled.details.retryAfterMs).to.be.within(50_000, 61_000);
      } finally {
        await control('/settings', { rateLimits: false });
      }
    });
  });

  describe('errors', () => {
    it('a bad address is a non-retryable validation error, and nothing is sent', async () => {
      const before = (await emailDeliveries()).length;
      const error = await vendorError(sendgrid.sendEmail(email({ to: 'not-an-address' })));
      expectKind(error, 'validation', false);
      expect(error.details.status).to.equal(400);
      expect(error.message).to.match(/personalizations/);
      expect(await emailDeliveries()).to.have.length(before);
    });

    it('an unknown API key is auth_revoked (401), a key without mail.send too (403)', async () => {
      const unknown = createSendgridClient({ apiKey: 'SG.nope.nope', endpointUrl: info.baseUrl });
      const revoked = await vendorError(unknown.sendEmail(email()));
      expectKind(revoked, 'auth_revoked', false);
      expect(revoked.details.status).to.equal(401);
      const restricted = createSendgridClient({ apiKey: info.restrictedApiKey, endpointUrl: info.baseUrl });
      const forbidden = await vendorError(restricted.sendEmail(email()));
      expectKind(forbidden, 'auth_revoked', false);
      expect(forbidden.details.status).to.equal(403);
    });

    it('a 429 is rate_limited with the delay X-RateLimit-Reset gives, a 500 transient', async () => {
      await control('/faults', { vendor: 'sendgrid', endpoint: '/v3/mail/send', throttleRate: 1, times: 1 });
      const throttled = await vendorError(sendgrid.sendEmail(email()));
      expectKind(throttled, 'rate_limited', true);
      expect(throttled.details.status).to.equal(429);
      // The simulator's window is 30 s here (not our 1 s fallback); Reset is rounded up to whole seconds.
      expect(throttled.details.retryAfterMs).to.be.within(25_000, 31_000);
      await control('/faults', { vendor: 'sendgrid', errorRate: 1, times: 1 });
      expectKind(await vendorError(sendgrid.sendEmail(email())), 'transient', true);
      expect((await sendgrid.sendEmail(email())).messageId).to.be.a('string');
    });

    it('a refused connection is transient', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const free = (server.address() as { port: number }).port;
          server.close(() => resolve(free));
        });
      });
      const down = createSendgridClient({ apiKey: info.apiKey, endpointUrl: `http://127.0.0.1:${port}` });
      expectKind(await vendorError(down.sendEmail(email())), 'transient', true);
    });
  });
});
