import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Router } from '@koa/router';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { pino, type Logger } from 'pino';
import { createApp, type AppOptions } from '../../api/app.js';
import type { RateLimitOverrides } from '../../api/middleware/rate-limit.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { ConfigError, loadConfig, type Config } from '../../config/env.js';
import { SecurityEvent } from '../../db/entities/index.js';
import { freePort } from '../../scripts/services/ports.js';
import { getHarness } from '../support/harness.js';
import { detachedRealtime } from '../support/realtime.js';
import { call, type Reply } from '../support/api.js';

const ALLOWED_ORIGIN = 'https://dashboard.example';
const WRONG_PASSWORD = 'not-the-password';

/** Test-only routes: a protected one, and a webhook receiver that tells who and how it was called. */
function testRouter(): Router {
  const router = new Router();
  router.get('/api/test/ping', (ctx) => {
    ctx.body = { ok: true };
  });
  router.post('/api/webhooks/:vendor/rate-limit-test', (ctx) => {
    ctx.status = 202;
    ctx.body = { ip: ctx.ip, protocol: ctx.protocol, secure: ctx.secure };
  });
  return router;
}

const forwardedFor = (ip?: string): Record<string, string> => (ip ? { 'x-forwarded-for': ip } : {});

function login(base: string, email: string, ip?: string): Promise<Reply> {
  return call(base, '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
    body: JSON.stringify({ email, password: WRONG_PASSWORD }),
  });
}

function refresh(base: string, ip?: string): Promise<Reply> {
  return call(base, '/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
    body: JSON.stringify({ refreshToken: 'x'.repeat(43) }),
  });
}

function webhook(base: string, vendor: string, ip?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return call(base, `/api/webhooks/${vendor}/rate-limit-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...forwardedFor(ip), ...headers },
    body: '{}',
  });
}

/** An access token shaped like the ones the auth routes issue. */
function sign(config: Config): string {
  const payload = { sub: randomUUID(), role: 'admin', typ: 'access', jti: randomUUID(), sid: randomUUID() };
  return jwt.sign(payload, config.jwt.secret, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'at+jwt' },
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresIn: 300,
  });
}

const uniqueEmail = (): string => `rl-${randomUUID()}@example.com`;
/** A client address no other test uses (TEST-NET and private ranges are fine: nothing is sent to them). */
const uniqueIp = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const namespace = (name: string): string => `ratelimit-test:${name}:${randomUUID()}`;
/** Every limit in a namespace of its own, so counters never leak between servers or runs. */
const isolated = (overrides: RateLimitOverrides = {}): RateLimitOverrides => ({
  global: { namespace: namespace('global'), ...overrides.global },
  auth: { namespace: namespace('auth'), ...overrides.auth },
  webhooks: { namespace: namespace('webhooks'), ...overrides.webhooks },
});

function expectLimited(reply: Reply, limit: number, windowSeconds: number): void {
  expect(reply.status, reply.text).to.equal(429);
  expect(reply.body.error?.code).to.equal('rate_limited');
  expect(reply.body.error?.requestId).to.equal(reply.headers.get('x-request-id'));
  const retryAfter = Number(reply.headers.get('retry-after'));
  expect(retryAfter).to.be.within(1, windowSeconds);
  expect(reply.headers.get('ratelimit-limit')).to.equal(String(limit));
  expect(reply.headers.get('ratelimit-remaining')).to.equal('0');
  expect(reply.headers.get('ratelimit-reset')).to.equal(String(retryAfter));
  expect(reply.headers.get('ratelimit-policy')).to.equal(`${limit};w=${windowSeconds}`);
}

async function rateLimitedEvents(where: { ip?: string; email?: string }): Promise<SecurityEvent[]> {
  return getHarness()
    .orm.em.fork()
    .find(SecurityEvent, { type: 'rate_limited', ...where });
}

describe('rate limits (real Redis, PostgreSQL and Temporal)', function () {
  this.timeout(60_000);

  let config: Config;
  const servers: RunningServer[] = [];

  async function serve(options: AppOptions, overrides: Partial<Config> = {}): Promise<string> {
    const server = await startServer({ ...config, ...overrides }, pino({ level: 'silent' }), {
      extraRouters: [testRouter()],
      ...options,
    });
    servers.push(server);
    return `http://127.0.0.1:${server.port}`;
  }

  before(() => {
    config = { ...getHarness().config, port: 0, corsOrigins: [ALLOWED_ORIGIN], trustedProxies: [] };
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  describe('global limit', () => {
    let base: string;

    before(async () => {
      base = await serve({ rateLimits: isolated({ global: { max: 3 } }) });
    });

    it('describes the limit in RateLimit-* headers (reset in seconds) and refuses the 4th request with 429', async () => {
      const auth = { authorization: `Bearer ${sign(config)}` };
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 3; i += 1) {
        const reply = await call(base, '/api/test/ping', { headers: auth });
        expect(reply.status, reply.text).to.equal(200);
        remaining.push(reply.headers.get('ratelimit-remaining'));
        expect(reply.headers.get('ratelimit-limit')).to.equal('3');
        expect(reply.headers.get('ratelimit-policy')).to.equal('3;w=3600');
        // Delta seconds, not an epoch: the first request of a fresh window resets in a whole hour.
        expect(reply.headers.get('ratelimit-reset')).to.match(/^\d+$/);
        expect(Number(reply.headers.get('ratelimit-reset'))).to.be.within(3590, 3600);
        expect(reply.headers.get('x-ratelimit-limit')).to.equal(null);
      }
      expect(remaining).to.deep.equal(['2', '1', '0']);

      expectLimited(await call(base, '/api/test/ping', { headers: auth }), 3, 3600);
    });

    it('counts each user separately and never limits the probes', async () => {
      const first = { authorization: `Bearer ${sign(config)}` };
      for (let i = 0; i < 3; i += 1) await call(base, '/api/test/ping', { headers: first });
      expect((await call(base, '/api/test/ping', { headers: first })).status).to.equal(429);

      const other = await call(base, '/api/test/ping', { headers: { authorization: `Bearer ${sign(config)}` } });
      expect(other.status, other.text).to.equal(200);
      expect(other.headers.get('ratelimit-remaining')).to.equal('2');

      for (let i = 0; i < 5; i += 1) {
        for (const path of ['/healthz', '/readyz']) {
          const probe = await call(base, path);
          expect(probe.status, probe.text).to.equal(200);
          expect(probe.headers.get('ratelimit-limit')).to.equal(null);
        }
      }
    });

    it('allows 1000 requests an hour by default and lets an allowed origin read the headers', async () => {
      const defaults = await serve({ rateLimits: isolated() });
      const reply = await call(defaults, '/api/test/ping', {
        headers: { authorization: `Bearer ${sign(config)}`, origin: ALLOWED_ORIGIN },
      });
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.headers.get('ratelimit-limit')).to.equal('1000');
      expect(reply.headers.get('ratelimit-remaining')).to.equal('999');
      expect(reply.headers.get('ratelimit-policy')).to.equal('1000;w=3600');
      const exposed = (reply.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
      expect(exposed).to.include.members([
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
      ]);
      expect(exposed.filter((name) => name.toLowerCase().startsWith('x-ratelimit'))).to.deep.equal([]);
    });
  });

  describe('auth endpoints (default 5 a minute)', () => {
    let direct: string;
    let proxied: string;

    before(async () => {
      direct = await serve({ rateLimits: isolated() });
      proxied = await serve({ rateLimits: isolated() }, { trustedProxies: ['loopback'] });
    });

    it('refuses the sixth login from one IP within a minute, whatever the emails', async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 5; i += 1) {
        const reply = await login(proxied, uniqueEmail(), ip);
        expect(reply.status, reply.text).not.to.equal(429);
        expect(reply.headers.get('ratelimit-limit')).to.equal('5');
        expect(reply.headers.get('ratelimit-remaining')).to.equal(String(4 - i));
        expect(reply.headers.get('ratelimit-policy')).to.equal('5;w=60');
      }
      expectLimited(await login(proxied, uniqueEmail(), ip), 5, 60);
      // Another client behind the same proxy is not affected.
      expect((await login(proxied, uniqueEmail(), uniqueIp())).status).not.to.equal(429);
    });

    it('gives /api/auth/refresh a per-IP budget of its own', async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 5; i += 1) await login(proxied, uniqueEmail(), ip);
      expect((await login(proxied, uniqueEmail(), ip)).status).to.equal(429);
      for (let i = 0; i < 5; i += 1) {
        const reply = await refresh(proxied, ip);
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expectLimited(await refresh(proxied, ip), 5, 60);
    });

    it('refuses the sixth login for one email from different IPs; another email is fine', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 5; i += 1) {
        const reply = await login(proxied, email, uniqueIp());
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expectLimited(await login(proxied, email, uniqueIp()), 5, 60);
      expect((await login(proxied, uniqueEmail(), uniqueIp())).status).not.to.equal(429);
    });

    it('matches the email case-insensitively and ignoring surrounding spaces', async () => {
      const email = uniqueEmail();
      const spellings = [email, email.toUpperCase(), ` ${email}`, `${email}  `, `Rl-${email.slice(3)}`];
      for (const spelling of spellings) {
        const reply = await login(proxied, spelling, uniqueIp());
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expect((await login(proxied, `  ${email.toUpperCase()} `, uniqueIp())).status).to.equal(429);
    });

    it('keeps only a sha256 of the email in Redis keys', async () => {
      const email = uniqueEmail();
      const ns = namespace('auth');
      const base = await serve(
        { rateLimits: isolated({ auth: { namespace: ns, max: 1 } }) },
        {
          trustedProxies: ['loopback'],
        },
      );
      await login(base, email, uniqueIp());
      expect((await login(base, email.toUpperCase(), uniqueIp())).status).to.equal(429);
      const keys = await getHarness().redis.keys(`${ns}:*`);
      const hash = createHash('sha256').update(email).digest('hex');
      expect(keys.some((key) => key.includes(hash))).to.equal(true);
      expect(keys.join('\n').toLowerCase()).not.to.include(email.split('@')[0]);
    });

    it('does not let a spoofed X-Forwarded-For reset the per-IP limit when no proxy is trusted', async () => {
      for (let i = 0; i < 5; i += 1) {
        const reply = await login(direct, uniqueEmail(), uniqueIp());
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expectLimited(await login(direct, uniqueEmail(), uniqueIp()), 5, 60);
    });

    it('counts clients behind a trusted proxy separately', async () => {
      for (let i = 0; i < 8; i += 1) {
        const reply = await login(proxied, uniqueEmail(), uniqueIp());
        expect(reply.status, reply.text).not.to.equal(429);
        expect(reply.headers.get('ratelimit-remaining')).to.equal('4');
      }
    });
  });

  describe('webhooks', () => {
    it('refuses the 4th request of a window from one source (limit 3); other vendors and the global limit are apart', async () => {
      const base = await serve({ rateLimits: isolated({ webhooks: { max: 3 }, global: { max: 1 } }) });
      for (let i = 0; i < 3; i += 1) {
        const reply = await webhook(base, 'jobber');
        expect(reply.status, reply.text).to.equal(202);
        expect(reply.headers.get('ratelimit-remaining')).to.equal(String(2 - i));
      }
      expectLimited(await webhook(base, 'jobber'), 3, 60);
      const other = await webhook(base, 'quickbooks');
      expect(other.status, other.text).to.equal(202);
      expect(other.headers.get('ratelimit-remaining')).to.equal('2');
      // The path is normalised like the router does it: same vendor, same budget.
      expect((await webhook(base, 'JOBBER')).status).to.equal(429);
    });

    it('keys a source by vendor and client IP', async () => {
      const base = await serve({ rateLimits: isolated({ webhooks: { max: 1 } }) }, { trustedProxies: ['loopback'] });
      const ip = uniqueIp();
      expect((await webhook(base, 'twilio', ip)).status).to.equal(202);
      expect((await webhook(base, 'twilio', ip)).status).to.equal(429);
      expect((await webhook(base, 'twilio', uniqueIp())).status).to.equal(202);
    });

    it('gives made-up vendor names one shared budget, so inventing names buys no requests', async () => {
      const base = await serve({ rateLimits: isolated({ webhooks: { max: 2 } }) }, { trustedProxies: ['loopback'] });
      const ip = uniqueIp();
      expect((await webhook(base, 'not-a-vendor', ip)).status).to.equal(202);
      expect((await webhook(base, 'another-invention', ip)).status).to.equal(202);
      expect((await webhook(base, 'third-try', ip)).status).to.equal(429);
      expect((await webhook(base, 'jobber', ip)).status).to.equal(202);
    });

    it('gives each custom source a budget of its own, counted before its API key is checked', async () => {
      const base = await serve({ rateLimits: isolated({ webhooks: { max: 2 } }) }, { trustedProxies: ['loopback'] });
      const ip = uniqueIp();
      const custom = (source: string) =>
        call(base, `/api/webhooks/custom/${source}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
          body: '{}',
        });
      expect((await custom('website')).status).to.equal(401);
      expect((await custom('website')).status).to.equal(401);
      expectLimited(await custom('website'), 2, 60);
      expect((await custom('shop')).status).to.equal(401);
    });

    it('allows 100 requests a minute per source by default and refuses the 101st', async () => {
      const base = await serve({ rateLimits: isolated() });
      for (let i = 0; i < 100; i += 1) {
        const reply = await webhook(base, 'jobber');
        expect(reply.status, reply.text).to.equal(202);
        if (i === 0) {
          expect(reply.headers.get('ratelimit-limit')).to.equal('100');
          expect(reply.headers.get('ratelimit-policy')).to.equal('100;w=60');
          expect(reply.headers.get('ratelimit-remaining')).to.equal('99');
        }
      }
      expectLimited(await webhook(base, 'jobber'), 100, 60);
    });
  });

  describe('client IP and trusted proxies', () => {
    const spoof = { 'x-forwarded-proto': 'https' };

    it('ignores X-Forwarded-For and X-Forwarded-Proto when no proxy is trusted', async () => {
      const base = await serve({ rateLimits: isolated() });
      const reply = await webhook(base, 'probe', '203.0.113.9', spoof);
      expect(reply.body).to.deep.equal({ ip: '127.0.0.1', protocol: 'http', secure: false });
    });

    it('believes a trusted proxy: client up to the first untrusted hop, protocol from X-Forwarded-Proto', async () => {
      const base = await serve({ rateLimits: isolated() }, { trustedProxies: ['loopback'] });
      const reply = await webhook(base, 'probe', '198.51.100.1, 203.0.113.9', spoof);
      expect(reply.body).to.deep.equal({ ip: '203.0.113.9', protocol: 'https', secure: true });
      const chained = await webhook(base, 'probe', '198.51.100.1, 203.0.113.9, 127.0.0.1');
      expect(chained.body).to.deep.equal({ ip: '203.0.113.9', protocol: 'http', secure: false });
      const garbage = await webhook(base, 'probe', 'not-an-address');
      expect(garbage.body.ip).to.equal('127.0.0.1');
    });

    it('ignores the headers when the peer is not one of the trusted proxies', async () => {
      const base = await serve({ rateLimits: isolated() }, { trustedProxies: ['10.0.0.0/8', 'uniquelocal'] });
      const reply = await webhook(base, 'probe', '203.0.113.9', spoof);
      expect(reply.body).to.deep.equal({ ip: '127.0.0.1', protocol: 'http', secure: false });
    });

    it('refuses a TRUST_PROXY entry proxy-addr cannot read', () => {
      const env = {
        DATABASE_URL: 'postgres://x@127.0.0.1/x',
        REDIS_URL: 'redis://127.0.0.1',
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        JWT_SECRET: 'x'.repeat(32),
        CREDENTIALS_KEY: '0'.repeat(64),
      };
      expect(() => loadConfig({ ...env, TRUST_PROXY: 'loopback,nonsense' })).to.throw(ConfigError, /TRUST_PROXY/);
      expect(loadConfig({ ...env, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustedProxies).to.deep.equal([
        'loopback',
        '10.0.0.0/8',
      ]);
    });
  });

  describe('security events', () => {
    let base: string;

    before(async () => {
      base = await serve({ rateLimits: isolated() }, { trustedProxies: ['loopback'] });
    });

    it('records one rate_limited event per IP and window, not one per refused request', async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 5; i += 1) await login(base, uniqueEmail(), ip);
      for (let i = 0; i < 3; i += 1) expect((await login(base, uniqueEmail(), ip)).status).to.equal(429);
      const events = await rateLimitedEvents({ ip });
      expect(events).to.have.length(1);
      expect(events[0]!.severity).to.equal('warning');
      expect(events[0]!.details).to.deep.equal({ limit: 'auth', keyKind: 'ip', path: '/api/auth/login' });
    });

    it('records one rate_limited event per email and window, naming the email', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 5; i += 1) await login(base, email, uniqueIp());
      for (let i = 0; i < 3; i += 1) expect((await login(base, email, uniqueIp())).status).to.equal(429);
      const events = await rateLimitedEvents({ email });
      expect(events).to.have.length(1);
      expect(events[0]!.details).to.deep.equal({ limit: 'auth', keyKind: 'email', path: '/api/auth/login' });
    });

    it('records webhook floods with the source key kind', async () => {
      const ip = uniqueIp();
      const limited = await serve({ rateLimits: isolated({ webhooks: { max: 1 } }) }, { trustedProxies: ['loopback'] });
      await webhook(limited, 'slack', ip);
      for (let i = 0; i < 3; i += 1) expect((await webhook(limited, 'slack', ip)).status).to.equal(429);
      const events = await rateLimitedEvents({ ip });
      expect(events.map((event) => event.details)).to.deep.equal([
        { limit: 'webhooks', keyKind: 'source', path: '/api/webhooks/slack/rate-limit-test' },
      ]);
    });
  });

  describe('when Redis is down', () => {
    it('lets requests through without RateLimit headers and logs it', async () => {
      const harness = getHarness();
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const deadPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const deadRedis = new Redis({
        host: '127.0.0.1',
        port: deadPort,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      deadRedis.on('error', () => undefined);
      const realtime = detachedRealtime();
      const logs = capturingLogger();
      const app = createApp(
        {
          config,
          logger: logs.logger,
          orm: harness.orm,
          redis: deadRedis,
          temporal: { client: harness.temporalClient, connection: harness.temporalConnection },
          realtime,
        },
        { extraRouters: [testRouter()] },
      );
      const http: Server = createServer(app.callback());
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      try {
        const reply = await webhook(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, 'jobber');
        expect(reply.status, reply.text).to.equal(202);
        expect(reply.headers.get('ratelimit-limit')).to.equal(null);
        expect(logs.messages()).to.include('rate limiter unavailable; request let through');
      } finally {
        http.close();
        deadRedis.disconnect();
        await realtime.close();
      }
    });
  });

  describe('across two API processes sharing Redis', function () {
    this.timeout(120_000);
    const children: ChildProcess[] = [];
    const bases: string[] = [];

    before(async () => {
      const harness = getHarness();
      const main = fileURLToPath(new URL('../../api/main.js', import.meta.url));
      for (let i = 0; i < 2; i += 1) {
        const port = await freePort();
        const child = spawn(process.execPath, [main], {
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'test',
            HOST: '127.0.0.1',
            PORT: String(port),
            DATABASE_URL: harness.databaseUrl,
            REDIS_URL: harness.redisUrl,
            TEMPORAL_ADDRESS: harness.temporalAddress,
            JWT_SECRET: harness.config.jwt.secret,
            CREDENTIALS_KEY: harness.config.credentialsKey,
            LOG_LEVEL: 'silent',
            TRUST_PROXY: 'loopback',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        children.push(child);
        bases.push(`http://127.0.0.1:${port}`);
      }
      await Promise.all(children.map((child, i) => waitReady(child, bases[i]!)));
    });

    after(async () => {
      await Promise.all(children.map(stop));
    });

    it('shares the per-email login budget: 3 logins on one, 2 on the other, the sixth on either is 429', async () => {
      const email = uniqueEmail();
      for (const base of [bases[0]!, bases[1]!, bases[0]!, bases[1]!, bases[0]!]) {
        const reply = await login(base, email, uniqueIp());
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expectLimited(await login(bases[1]!, email, uniqueIp()), 5, 60);
      expectLimited(await login(bases[0]!, email, uniqueIp()), 5, 60);
    });

    it('shares the per-IP login budget', async () => {
      const ip = uniqueIp();
      for (const base of [bases[1]!, bases[1]!, bases[1]!, bases[0]!, bases[0]!]) {
        const reply = await login(base, uniqueEmail(), ip);
        expect(reply.status, reply.text).not.to.equal(429);
      }
      expectLimited(await login(bases[0]!, uniqueEmail(), ip), 5, 60);
      expectLimited(await login(bases[1]!, uniqueEmail(), ip), 5, 60);
    });
  });
});

/** A logger that keeps the messages it was given. */
function capturingLogger(): { logger: Logger; messages: () => string[] } {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        messages.push(String((JSON.parse(line) as { msg?: unknown }).msg));
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), messages: () => messages };
}

/** Polls /readyz until it answers 200; fails early, with the process's stderr, if the process exits. */
async function waitReady(child: ChildProcess, base: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API process exited with ${child.exitCode}: ${stderr}`);
    const status = await fetch(`${base}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`API process at ${base} not ready within 90 s: ${stderr}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
