import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router } from '@koa/router';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { pino, type Logger } from 'pino';
import { createApp } from '../../api/app.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { validate, validated } from '../../api/validation.js';
import type { Config } from '../../config/env.js';
import { getHarness } from '../support/harness.js';
import { detachedRealtime } from '../support/realtime.js';
import { call, type Reply, expectError } from '../support/api.js';

const ALLOWED_ORIGIN = 'https://dashboard.example';
const SECRET_DETAIL = 'password=hunter2 at /srv/app/handlers.js:42';

/** Routes only these tests need: a JSON route with a schema, and one that fails the way a bug would. */
function testRouter(): Router {
  const router = new Router();
  router.post(
    '/api/test/echo',
    validate({
      body: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1 }, count: { type: 'integer' } },
        required: ['name'],
        additionalProperties: false,
      },
    }),
    (ctx) => {
      ctx.body = { received: validated(ctx, 'body') };
    },
  );
  router.get('/api/test/boom', () => {
    throw new Error(`database exploded: ${SECRET_DETAIL}`);
  });
  return router;
}

/** A logger that keeps its JSON lines, so the tests can read what was logged. */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const raw = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    raw()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: pino({ level: 'debug' }, sink), lines, raw };
}

/** An access token shaped like the ones the auth routes issue, with `claims` and `options` overriding. */
function sign(config: Config, claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}, secret?: string) {
  const payload = { sub: randomUUID(), role: 'admin', typ: 'access', jti: randomUUID(), sid: randomUUID(), ...claims };
  return jwt.sign(payload, secret ?? config.jwt.secret, {
    algorithm: 'HS256',
    header: { alg: options.algorithm ?? 'HS256', typ: 'at+jwt' },
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresIn: 300,
    ...options,
  });
}

function bytesOf(limit: string): number {
  const match = /^(\d+)(kb|mb)$/.exec(limit);
  if (!match) throw new Error(`unexpected body limit ${limit}`);
  return Number(match[1]) * (match[2] === 'mb' ? 1024 * 1024 : 1024);
}

describe('API gateway (real PostgreSQL, Redis and Temporal)', function () {
  this.timeout(60_000);

  const logs = capturingLogger();
  let config: Config;
  let server: RunningServer;
  let base: string;
  let token: string;
  let auth: Record<string, string>;

  before(async () => {
    config = { ...getHarness().config, port: 0, corsOrigins: [ALLOWED_ORIGIN] };
    server = await startServer(config, logs.logger, { extraRouters: [testRouter()] });
    base = `http://127.0.0.1:${server.port}`;
    token = sign(config);
    auth = { authorization: `Bearer ${token}` };
  });

  after(async () => {
    await server?.close();
  });

  describe('probes', () => {
    it('GET /healthz answers 200 without a token, with a request id and security headers', async () => {
      const reply = await call(base, '/healthz');
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({ status: 'ok' });
      expect(reply.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      expect(reply.headers.get('x-content-type-options')).to.equal('nosniff');
    });

    it('GET /readyz answers 200 with postgres, redis and temporal up', async () => {
      const reply = await call(base, '/readyz');
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body.status).to.equal('ok');
      const checks = reply.body.checks as Record<string, { status: string; latencyMs: number }>;
      expect(Object.keys(checks).sort()).to.deep.equal(['postgres', 'redis', 'temporal']);
      for (const check of Object.values(checks)) {
        expect(check.status).to.equal('up');
        expect(check.latencyMs).to.be.a('number').and.at.least(0).and.below(2000);
      }
    });

    it('GET /readyz answers 503 within the 2 s budget and names Redis when Redis does not answer', async () => {
      const harness = getHarness();
      // A port nobody listens on, and a client that queues commands while it keeps reconnecting: the case
      // where only the timer ends the wait.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const deadPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const deadRedis = new Redis({ host: '127.0.0.1', port: deadPort, lazyConnect: true, maxRetriesPerRequest: null });
      deadRedis.on('error', () => undefined);
      const realtime = detachedRealtime();
      const app = createApp({
        config,
        logger: pino({ level: 'silent' }),
        orm: harness.orm,
        redis: deadRedis,
        temporal: { client: harness.temporalClient, connection: harness.temporalConnection },
        realtime,
      });
      const http: Server = createServer(app.callback());
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      try {
        const started = Date.now();
        const reply = await call(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, '/readyz');
        const elapsed = Date.now() - started;
        expect(reply.status, reply.text).to.equal(503);
        expect(reply.body.status).to.equal('unavailable');
        const checks = reply.body.checks as Record<string, { status: string; error?: string }>;
        expect(checks.redis).to.deep.equal({ status: 'down', error: 'timed out after 2000 ms' });
        expect(checks.postgres?.status).to.equal('up');
        expect(checks.temporal?.status).to.equal('up');
        expect(elapsed).to.be.at.least(1900).and.below(3500);
      } finally {
        http.close();
        deadRedis.disconnect();
        await realtime.close();
      }
    });
  });

  describe('request ids and errors', () => {
    it('renders an unknown route as 404 not_found whose requestId is the X-Request-Id header', async () => {
      const reply = await call(base, `/api/no-such-route-${randomUUID()}`, { headers: auth });
      expectError(reply, 404, 'not_found');
    });

    it("echoes a caller's sane X-Request-Id and replaces one that is not", async () => {
      const kept = await call(base, '/api/nowhere', { headers: { ...auth, 'x-request-id': 'trace-abc.123:x' } });
      expect(kept.headers.get('x-request-id')).to.equal('trace-abc.123:x');
      expect(kept.body.error?.requestId).to.equal('trace-abc.123:x');

      const replaced = await call(base, '/api/nowhere', { headers: { ...auth, 'x-request-id': 'x'.repeat(129) } });
      expect(replaced.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      expect(replaced.body.error?.requestId).to.equal(replaced.headers.get('x-request-id'));
    });

    it('answers a known path with a wrong method as 405 method_not_allowed with Allow', async () => {
      const reply = await call(base, '/healthz', { method: 'DELETE' });
      expectError(reply, 405, 'method_not_allowed');
      expect(reply.headers.get('allow')).to.include('GET');
    });

    it('hides the message and stack of a 500 and logs the real error', async () => {
      const reply = await call(base, '/api/test/boom', { headers: auth });
      expectError(reply, 500, 'internal_error');
      expect(reply.body.error?.message).to.equal('Internal server error');
      expect(reply.text).not.to.include('hunter2');
      expect(reply.text).not.to.include('exploded');
      expect(reply.text).not.to.match(/\bat \S+ \(|\.js:\d+/);
      const logged = logs
        .lines()
        .find((line) => line.msg === 'request failed' && line.requestId === reply.body.error?.requestId);
      expect(JSON.stringify(logged?.err)).to.include('database exploded');
    });
  });

  describe('authentication', () => {
    it('refuses a protected /api route without a token with 401 unauthorized', async () => {
      const reply = await call(base, '/api/test/boom');
      expectError(reply, 401, 'unauthorized');
      expect(reply.headers.get('www-authenticate')).to.equal('Bearer');
    });

    it('lets a valid access token through to the route', async () => {
      const reply = await call(base, '/api/test/echo', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Ada', count: 2 }),
      });
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ received: { name: 'Ada', count: 2 } });
    });

    const badTokens: Array<[string, (config: Config) => string]> = [
      ['signed with HS384 (algorithm not pinned)', (c) => sign(c, {}, { algorithm: 'HS384' })],
      ['signed with another secret', (c) => sign(c, {}, {}, 'another-secret-that-is-long-enough-000000')],
      ['for another audience', (c) => sign(c, {}, { audience: 'someone-else' })],
      ['from another issuer', (c) => sign(c, {}, { issuer: 'someone-else' })],
      ['that has expired', (c) => sign(c, {}, { expiresIn: -60 })],
      [
        'unsigned (alg none)',
        (c) => jwt.sign({ sub: 'x', iss: c.jwt.issuer, aud: c.jwt.audience }, '', { algorithm: 'none' }),
      ],
      ['a refresh token', (c) => sign(c, { typ: 'refresh' })],
    ];
    for (const [name, make] of badTokens) {
      it(`refuses a token ${name} with 401`, async () => {
        const reply = await call(base, '/api/test/boom', { headers: { authorization: `Bearer ${make(config)}` } });
        expectError(reply, 401, 'unauthorized');
      });
    }

    it('logs the request with its user id but never the Authorization header', async () => {
      const reply = await call(base, '/api/test/echo', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'logged' }),
      });
      const requestId = reply.headers.get('x-request-id');
      // The line is written when the response finishes, which can be just after the client has it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const line = logs.lines().find((entry) => entry.msg === 'request completed' && entry.requestId === requestId);
      expect(line).to.include({ method: 'POST', path: '/api/test/echo', status: 200 });
      expect(line?.durationMs).to.be.a('number');
      expect(line?.userId).to.equal((jwt.decode(token) as { sub: string }).sub);
      expect(logs.raw()).not.to.include(token);
      expect(logs.raw().toLowerCase()).not.to.include('authorization');
      expect(logs.raw()).not.to.include('"logged"');
    });
  });

  describe('request bodies', () => {
    const post = (body: string, contentType: string): Promise<Reply> =>
      call(base, '/api/test/echo', { method: 'POST', headers: { ...auth, 'content-type': contentType }, body });

    it('answers malformed JSON with 400 invalid_json', async () => {
      expectError(await post('{"name": ', 'application/json'), 400, 'invalid_json');
    });

    it('answers a body over the configured limit with 413 payload_too_large', async () => {
      const body = JSON.stringify({ name: 'x'.repeat(bytesOf(config.bodyLimit) + 1024) });
      expectError(await post(body, 'application/json'), 413, 'payload_too_large');
    });

    it('answers a non-JSON body on a JSON route with 415 unsupported_media_type', async () => {
      expectError(await post('name=Ada', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
      expectError(await post('name=Ada', 'text/plain'), 415, 'unsupported_media_type');
    });

    it('answers a body that breaks its schema with 400 validation_failed and one detail per problem', async () => {
      const reply = await post(JSON.stringify({ count: 'two', extra: true }), 'application/json');
      expectError(reply, 400, 'validation_failed');
      expect(reply.body.error?.details).to.have.deep.members([
        { location: 'body', path: '/name', message: 'is required' },
        { location: 'body', path: '/extra', message: 'is not allowed' },
        { location: 'body', path: '/count', message: 'must be integer' },
      ]);
    });
  });

  describe('CORS', () => {
    it('answers an allowed origin with its CORS headers, on success and on errors', async () => {
      const ok = await call(base, '/healthz', { headers: { origin: ALLOWED_ORIGIN } });
      expect(ok.headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
      expect(ok.headers.get('access-control-expose-headers')).to.include('X-Request-Id');

      const failed = await call(base, '/api/test/boom', { headers: { origin: ALLOWED_ORIGIN } });
      expect(failed.status).to.equal(401);
      expect(failed.headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
    });

    it('answers a preflight from an allowed origin with 204 and the allowed headers', async () => {
      const reply = await call(base, '/api/test/echo', {
        method: 'OPTIONS',
        headers: {
          origin: ALLOWED_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(reply.status).to.equal(204);
      expect(reply.headers.get('access-control-allow-origin')).to.equal(ALLOWED_ORIGIN);
      expect(reply.headers.get('access-control-allow-headers')).to.include('Authorization');
    });

    it('gives another origin no CORS headers', async () => {
      const reply = await call(base, '/healthz', { headers: { origin: 'https://evil.example' } });
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('access-control-allow-origin')).to.equal(null);
      expect(reply.headers.get('access-control-expose-headers')).to.equal(null);
    });
  });
});
