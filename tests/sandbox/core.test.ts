import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import Koa from 'koa';
import { DeliveryLog } from '../../sandbox/core/deliveries.js';
import { FaultBook } from '../../sandbox/core/faults.js';
import { applyMutation, MutationError } from '../../sandbox/core/mutations.js';
import { TokenStore } from '../../sandbox/core/tokens.js';
import { WebhookSender } from '../../sandbox/core/webhooks.js';
import { countsOf } from '../../sandbox/core/world.js';
import { formatUsPhone, generateWorld } from '../../sandbox/data/generate.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { Json } from '../support/api.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const NOW = Date.UTC(2026, 10, 25, 12);

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

describe('sandbox core: data, mutations, tokens, faults, webhooks, control API', function () {
  this.timeout(30_000);

  describe('generateWorld', () => {
    it('gives the same data for the same seed and different data for another seed', () => {
      const a = generateWorld(7, { customers: 200, jobsPerCustomer: 5 }, NOW);
      const b = generateWorld(7, { customers: 200, jobsPerCustomer: 5 }, NOW);
      const c = generateWorld(8, { customers: 200, jobsPerCustomer: 5 }, NOW);
      expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
      expect(JSON.stringify(a.customers)).not.to.equal(JSON.stringify(c.customers));
    });

    it('builds a consistent business: every job, invoice and payment points at a real record', () => {
      const world = generateWorld(1, { customers: 500, jobsPerCustomer: 5 }, NOW);
      const counts = countsOf(world);
      expect(counts.customers).to.equal(500);
      expect(counts.jobs).to.be.within(2000, 3000);
      for (const job of world.jobs) expect(world.customers[job.customerKey]?.key).to.equal(job.customerKey);
      for (const invoice of world.invoices) {
        expect(world.jobs[invoice.jobKey!]!.customerKey).to.equal(invoice.customerKey);
        expect(invoice.balance).to.equal(invoice.status === 'paid' ? 0 : invoice.total);
      }
      for (const payment of world.payments) expect(world.invoices[payment.invoiceKey]!.status).to.equal('paid');
      const statuses = new Set(world.jobs.map((job) => job.status));
      expect(statuses.size, [...statuses].join(',')).to.be.at.least(7);
      expect(world.jobs.some((job) => job.startAt! > NOW)).to.equal(true);
      expect(world.jobs.some((job) => job.startAt! < NOW - 365 * 86_400_000)).to.equal(true);
    });

    it("makes vendors' copies of a customer differ the way real systems do, sometimes", () => {
      const world = generateWorld(3, { customers: 2000, jobsPerCustomer: 1 }, NOW);
      const variants = world.customers.map((customer) => customer.variants);
      const share = (test: (v: (typeof variants)[number]) => boolean) => variants.filter(test).length / variants.length;
      expect(share((v) => v.quickbooks?.missing === true)).to.be.within(0.04, 0.12);
      expect(share((v) => v.airtable?.missing === true)).to.be.within(0.1, 0.2);
      const formatted = world.customers.find((customer) => customer.variants.quickbooks?.phone);
      expect(formatted!.variants.quickbooks!.phone).to.equal(formatUsPhone(formatted!.phone!));
      expect(formatUsPhone('+15125550123')).to.equal('(512) 555-0123');
    });
  });

  describe('applyMutation', () => {
    it('updates, creates and soft-deletes, bumping the change markers vendors sync on', () => {
      const world = generateWorld(5, { customers: 20, jobsPerCustomer: 2 }, NOW);
      const invoice = world.invoices[0]!;
      const before = { syncToken: invoice.syncToken, updatedAt: invoice.updatedAt };
      applyMutation(
        world,
        { entity: 'invoice', action: 'update', key: 0, changes: { status: 'paid', key: 99 } },
        NOW + 1,
      );
      expect(invoice).to.include({ status: 'paid', key: 0, syncToken: before.syncToken + 1, updatedAt: NOW + 1 });

      const event = world.calendarEvents[0]!;
      const sequence = event.sequence;
      applyMutation(world, { entity: 'calendarEvent', action: 'update', key: 0, changes: { summary: 'Moved' } });
      expect(event.sequence).to.be.above(sequence);

      const created = applyMutation(world, {
        entity: 'customer',
        action: 'create',
        changes: { firstName: 'Zed', email: 'zed@example.com' },
      });
      expect(created.key).to.equal(20);
      expect(world.customers[20]).to.include({ firstName: 'Zed', email: 'zed@example.com', deletedAt: null });

      applyMutation(world, { entity: 'customer', action: 'delete', key: 3 }, NOW + 2);
      expect(world.customers[3]!.deletedAt).to.equal(NOW + 2);
      expect(() => applyMutation(world, { entity: 'customer', action: 'update', key: 3 })).to.throw(MutationError);
      expect(() => applyMutation(world, { entity: 'job', action: 'delete', key: 10_000 })).to.throw(MutationError);
    });
  });

  describe('TokenStore', () => {
    it('rotates refresh tokens (a used one dies), expires access tokens and revokes on demand', () => {
      const store = new TokenStore('t', 60, true);
      const grant = store.issue('realm-1', NOW);
      expect(store.check(grant.accessToken, NOW)).to.deep.equal({ state: 'valid', subject: 'realm-1' });
      expect(store.check(grant.accessToken, NOW + 61_000).state).to.equal('expired');
      const next = store.refreshGrant(grant.refreshToken, NOW)!;
      expect(next.refreshToken).not.to.equal(grant.refreshToken);
      expect(store.refreshGrant(grant.refreshToken, NOW)).to.equal(null);
      store.expireAllAccessTokens(NOW);
      expect(store.check(next.accessToken, NOW).state).to.equal('expired');
      store.revokeAllRefreshTokens();
      expect(store.refreshGrant(next.refreshToken, NOW)).to.equal(null);
      const fixed = new TokenStore('f', 60, false);
      const first = fixed.issue('x');
      expect(fixed.refreshGrant(first.refreshToken)!.refreshToken).to.equal(first.refreshToken);
    });
  });

  describe('FaultBook', () => {
    let server: Server;
    let base: string;
    const faults = new FaultBook();

    before(async () => {
      const app = new Koa();
      app.use(
        faults.middleware('acme', {
          serverError: (ctx) => {
            ctx.status = 503;
            ctx.body = { acme: 'down' };
          },
          throttled: (ctx) => {
            ctx.status = 429;
            ctx.set('Retry-After', '7');
            ctx.body = { acme: 'slow down' };
          },
        }),
      );
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      server = createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => {
      server.closeAllConnections();
      server.close();
    });

    afterEach(() => faults.clear());

    it("answers with the vendor's own error and throttle shapes, for the matching endpoint only, N times", async () => {
      faults.add({ vendor: 'acme', endpoint: '/orders', errorRate: 1, times: 2 });
      faults.add({ vendor: 'other', errorRate: 1 });
      expect((await fetch(`${base}/orders`)).status).to.equal(503);
      expect((await fetch(`${base}/customers`)).status).to.equal(200);
      expect((await fetch(`${base}/orders`)).status).to.equal(503);
      expect((await fetch(`${base}/orders`)).status).to.equal(200);

      faults.add({ vendor: 'acme', throttleRate: 1 });
      const throttled = await fetch(`${base}/x`);
      expect(throttled.status).to.equal(429);
      expect(throttled.headers.get('retry-after')).to.equal('7');
    });

    it('adds latency, sends malformed JSON, and can hang until the client gives up', async () => {
      faults.add({ vendor: 'acme', latencyMs: 150, times: 1 });
      const started = Date.now();
      expect((await fetch(`${base}/slow`)).status).to.equal(200);
      expect(Date.now() - started).to.be.at.least(140);

      faults.add({ vendor: 'acme', malformedRate: 1, times: 1 });
      const malformed = await fetch(`${base}/m`);
      expect(malformed.headers.get('content-type')).to.match(/json/);
      let parseError: unknown;
      try {
        JSON.parse(await malformed.text());
      } catch (error) {
        parseError = error;
      }
      expect(parseError).to.be.instanceOf(SyntaxError);

      faults.add({ vendor: 'acme', hang: true, times: 1 });
      let aborted: unknown;
      try {
        await fetch(`${base}/hang`, { signal: AbortSignal.timeout(300) });
      } catch (error) {
        aborted = error;
      }
      expect((aborted as Error).name).to.equal('TimeoutError');
      expect((await fetch(`${base}/after`)).status).to.equal(200);
    });
  });

  describe('WebhookSender', () => {
    it('retries a failed delivery on the schedule with the retry headers, and logs every attempt', async () => {
      const receiver = await startWebhookReceiver();
      receiver.respondWith((_request, index) => (index < 2 ? 500 : 200));
      const deliveries = new DeliveryLog();
      const sender = new WebhookSender(deliveries);
      const attempts = await sender.send({
        vendor: 'acme',
        url: `${receiver.url}/hook`,
        body: '{"a":1}',
        contentType: 'application/json',
        headers: { 'x-sig': 'abc' },
        retryDelaysMs: [20, 20, 20],
        retryHeaders: (attempt) => ({ 'x-retry-num': String(attempt) }),
      });
      await receiver.close();
      expect(attempts.map((attempt) => attempt.status)).to.deep.equal([500, 500, 200]);
      expect(receiver.received.map((request) => request.headers['x-retry-num'])).to.deep.equal([undefined, '1', '2']);
      expect(receiver.received.every((request) => request.rawBody.toString() === '{"a":1}')).to.equal(true);
      expect(receiver.received.every((request) => request.headers['x-sig'] === 'abc')).to.equal(true);
      expect(deliveries.list({ kind: 'webhook' })).to.have.length(3);
    });
  });

  describe('control API', () => {
    let running: RunningSandbox;
    before(async () => {
      running = await startSandbox({ factories: [], port: 0, seed: 11, scale: 'small' });
    });
    after(async () => {
      await running?.close();
    });

    it('describes the sandbox, and resets to a seed and scale', async () => {
      const info = await json(`${running.controlUrl}/_sandbox`);
      expect(info.status).to.equal(200);
      expect(info.body).to.include({ seed: 11 });
      expect(info.body.counts.customers).to.equal(60);
      const reset = await json(`${running.controlUrl}/_sandbox/reset`, {
        method: 'POST',
        body: JSON.stringify({ seed: 12, scale: 150 }),
      });
      expect(reset.status).to.equal(200);
      expect(reset.body.counts.customers).to.equal(150);
      expect(running.sandbox.world.seed).to.equal(12);
    });

    it('refuses bad control requests with 400 and unknown records with 404', async () => {
      const bad = await json(`${running.controlUrl}/_sandbox/reset`, {
        method: 'POST',
        body: JSON.stringify({ scale: 'galactic' }),
      });
      expect(bad.status).to.equal(400);
      const unknownVendor = await json(`${running.controlUrl}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({ vendor: 'myspace', errorRate: 1 }),
      });
      expect(unknownVendor.status).to.equal(400);
      const missing = await json(`${running.controlUrl}/_sandbox/mutate`, {
        method: 'POST',
        body: JSON.stringify({ entity: 'job', action: 'update', key: 999_999, changes: { title: 'x' } }),
      });
      expect(missing.status).to.equal(404);
    });

    it('applies mutations, keeps fault rules and settings, and lists deliveries', async () => {
      const mutated = await json(`${running.controlUrl}/_sandbox/mutate`, {
        method: 'POST',
        body: JSON.stringify({ entity: 'job', action: 'update', key: 0, changes: { title: 'Renamed job' } }),
      });
      expect(mutated.status).to.equal(200);
      expect(mutated.body.change).to.deep.equal({ entity: 'job', action: 'update', key: 0 });
      expect(running.sandbox.world.jobs[0]!.title).to.equal('Renamed job');

      const fault = await json(`${running.controlUrl}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({ vendor: 'slack', endpoint: 'chat.postMessage', throttleRate: 0.5 }),
      });
      expect(fault.status).to.equal(201);
      expect(fault.body.faults).to.deep.equal([{ vendor: 'slack', endpoint: 'chat.postMessage', throttleRate: 0.5 }]);
      expect((await fetch(`${running.controlUrl}/_sandbox/faults?vendor=slack`, { method: 'DELETE' })).status).to.equal(
        204,
      );
      expect(running.sandbox.faults.list()).to.deep.equal([]);

      const settings = await json(`${running.controlUrl}/_sandbox/settings`, {
        method: 'POST',
        body: JSON.stringify({ rateLimits: false, webhookUrls: { twilio: 'http://127.0.0.1:9/hook' } }),
      });
      expect(settings.body.settings).to.deep.equal({
        rateLimits: false,
        webhookUrls: { twilio: 'http://127.0.0.1:9/hook' },
      });

      running.sandbox.deliveries.record('twilio', 'sms', { to: '+15125550123' });
      const deliveries = await json(`${running.controlUrl}/_sandbox/deliveries?vendor=twilio`);
      expect(deliveries.body.deliveries.map((d: { detail: unknown }) => d.detail)).to.deep.equal([
        { to: '+15125550123' },
      ]);
    });
  });
});
