import { createServer } from 'node:net';
import { expect } from 'chai';
import type { VendorError, VendorErrorKind } from '../../integrations/core/errors.js';
import { createTwilioClient, type TwilioClient } from '../../integrations/twilio/client.js';
import { parseStatusCallback } from '../../integrations/twilio/payloads.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { twilioSimulatorWith } from '../../sandbox/vendors/twilio/index.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';
import { expectVendorError, sandboxControl, vendorFailure } from '../support/vendor-testing.js';

/*
 * The Twilio client against the Twilio simulator over real HTTP (the official SDK pointed at it through
 * `client.api.baseUrl`). What "went out" is read from the sandbox's delivery log, not from the client.
 */

interface TwilioInfo {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  phoneNumbers: string[];
}

interface Delivery {
  detail: Record<string, unknown>;
}

const OPTED_OUT = '+15550001111';

describe('integrations: Twilio client', function () {
  this.timeout(20_000);
  let running: RunningSandbox;
  let receiver: WebhookReceiver;
  let info: TwilioInfo;
  let twilio: TwilioClient;

  const control = (path: string, body?: unknown) => sandboxControl(running.controlUrl)(path, body);

  async function smsDeliveries(): Promise<Delivery[]> {
    return ((await control('/deliveries?vendor=twilio&kind=sms')) as { deliveries: Delivery[] }).deliveries;
  }

  const vendorError = vendorFailure;

  const expectKind = (error: VendorError, kind: VendorErrorKind, retryable: boolean) =>
    expectVendorError(error, 'twilio', kind, retryable);

  before(async () => {
    receiver = await startWebhookReceiver();
    running = await startSandbox({
      factories: [twilioSimulatorWith({ stepDelayMs: 30, callbackRetryDelayMs: 20, unsubscribed: [OPTED_OUT] })],
      port: 0,
      scale: 'small',
    });
    info = ((await control('/')).vendors as Record<string, TwilioInfo>).twilio!;
    await control('/settings', { rateLimits: false });
    twilio = createTwilioClient({ accountSid: info.accountSid, authToken: info.authToken, endpointUrl: info.baseUrl });
  });

  after(async () => {
    await running?.close();
    await receiver?.close();
  });

  describe('sending', () => {
    it('sends an SMS that the sandbox records, with the key in its StatusCallback URL', async () => {
      const sent = await twilio.sendSms({
        idempotencyKey: 'msg-101',
        to: '+15125550123',
        from: info.phoneNumbers[0],
        body: 'Your crew arrives at 9',
        statusCallbackUrl: `${receiver.url}/webhooks/twilio/status`,
      });
      expect(sent.sid).to.match(/^SM[0-9a-f]{32}$/);
      expect(sent).to.include({ to: '+15125550123', status: 'queued', direction: 'outbound-api', errorCode: null });

      const delivery = (await smsDeliveries()).find((entry) => entry.detail.sid === sent.sid);
      expect(delivery?.detail).to.include({ to: '+15125550123', body: 'Your crew arrives at 9' });
      const callback = new URL(String(delivery?.detail.statusCallback));
      expect(callback.pathname).to.equal('/webhooks/twilio/status');
      expect(callback.searchParams.get('idempotencyKey')).to.equal('msg-101');
    });

    it('reads status callbacks back into our terms, key included', async () => {
      const sent = await twilio.sendSms({
        idempotencyKey: 'msg-102',
        to: '+15125550000',
        from: info.phoneNumbers[0],
        body: 'Invoice ready',
        statusCallbackUrl: `${receiver.url}/status?tenant=7`,
      });
      const ours = () => receiver.received.filter((request) => request.url.startsWith('/status?tenant=7'));
      for (let tries = 0; ours().length < 2 && tries < 250; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const callbacks: ReceivedRequest[] = ours();
      const updates = callbacks.map((request) =>
        parseStatusCallback(
          `${receiver.url}${request.url}`,
          Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8'))),
        ),
      );
      expect(updates).to.deep.equal([
        { messageSid: sent.sid, status: 'sent', errorCode: null, idempotencyKey: 'msg-102' },
        { messageSid: sent.sid, status: 'undelivered', errorCode: 30003, idempotencyKey: 'msg-102' },
      ]);
      expect(() => parseStatusCallback(`${receiver.url}/status`, { MessageStatus: 'sent' })).to.throw(/MessageSid/);
    });

    it('fetches a message by SID with its final status, and null for an unknown SID', async () => {
      const sent = await twilio.sendSms({
        idempotencyKey: 'msg-103',
        to: '+15125550125',
        from: info.phoneNumbers[1],
        body: 'Hi',
      });
      let fetched = await twilio.getMessage(sent.sid);
      for (let tries = 0; fetched?.status !== 'delivered' && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        fetched = await twilio.getMessage(sent.sid);
      }
      expect(fetched).to.include({ sid: sent.sid, status: 'delivered', from: info.phoneNumbers[1], body: 'Hi' });
      expect(await twilio.getMessage(`SM${'0'.repeat(32)}`)).to.equal(null);
    });
  });

  describe('findSent', () => {
    it('finds a send in Twilio’s log by recipient, body and start time; not an unsent one', async () => {
      const notBefore = new Date();
      const sent = await twilio.sendSms({
        idempotencyKey: 'msg-201',
        to: '+15125550201',
        from: info.phoneNumbers[0],
        body: 'Reminder: visit tomorrow at 10',
      });
      const found = await twilio.findSent({ to: '+15125550201', body: 'Reminder: visit tomorrow at 10', notBefore });
      expect(found?.sid).to.equal(sent.sid);
      expect(await twilio.findSent({ to: '+15125550201', body: 'Reminder: visit tomorrow at 11', notBefore })).to.equal(
        null,
      );
      expect(await twilio.findSent({ to: '+15125550202', body: 'Reminder: visit tomorrow at 10', notBefore })).to.equal(
        null,
      );
      const later = new Date(Date.now() + 60_000);
      expect(
        await twilio.findSent({ to: '+15125550201', body: 'Reminder: visit tomorrow at 10', notBefore: later }),
      ).to.equal(null);
    });
  });

  describe('errors', () => {
    it('an invalid number is a non-retryable validation error with Twilio’s code, and nothing is sent', async () => {
      const before = (await smsDeliveries()).length;
      const invalid = await vendorError(
        twilio.sendSms({ idempotencyKey: 'msg-301', to: '12345', from: info.phoneNumbers[0], body: 'x' }),
      );
      expectKind(invalid, 'validation', false);
      expect(invalid.details).to.include({ status: 400, code: '21211' });
      const optedOut = await vendorError(
        twilio.sendSms({ idempotencyKey: 'msg-302', to: OPTED_OUT, from: info.phoneNumbers[0], body: 'x' }),
      );
      expectKind(optedOut, 'validation', false);
      expect(optedOut.details.code).to.equal('21610');
      expect(await smsDeliveries()).to.have.length(before);
    });

    it('a wrong auth token is auth_revoked', async () => {
      const wrong = createTwilioClient({
        accountSid: info.accountSid,
        authToken: 'f'.repeat(32),
        endpointUrl: info.baseUrl,
      });
      const error = await vendorError(wrong.getMessage(`SM${'1'.repeat(32)}`));
      expectKind(error, 'auth_revoked', false);
      expect(error.details).to.include({ status: 401, code: '20003' });
    });

    it('a 429 is rate_limited with a delay, a 500 transient', async () => {
      const send = { idempotencyKey: 'msg-303', to: '+15125550303', from: info.phoneNumbers[0], body: 'x' };
      await control('/faults', { vendor: 'twilio', throttleRate: 1, times: 1 });
      const throttled = await vendorError(twilio.sendSms(send));
      expectKind(throttled, 'rate_limited', true);
      expect(throttled.details).to.include({ status: 429, code: '20429' });
      expect(throttled.details.retryAfterMs).to.be.above(0);
      await control('/faults', { vendor: 'twilio', errorRate: 1, times: 1 });
      expectKind(await vendorError(twilio.sendSms(send)), 'transient', true);
      expect((await twilio.sendSms(send)).status).to.equal('queued');
    });

    it('a refused connection is transient', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const free = (server.address() as { port: number }).port;
          server.close(() => resolve(free));
        });
      });
      const down = createTwilioClient({
        accountSid: info.accountSid,
        authToken: info.authToken,
        endpointUrl: `http://127.0.0.1:${port}`,
      });
      expectKind(await vendorError(down.getMessage(`SM${'2'.repeat(32)}`)), 'transient', true);
    });
  });
});
