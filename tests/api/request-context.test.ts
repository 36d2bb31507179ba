import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { Router } from '@koa/router';
import { expect } from 'chai';
import type { Logger } from 'pino';
import { createLogger } from '../../api/logger.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { VendorConnection } from '../../db/entities/index.js';
import { REQUEST_ID_MEMO } from '../../temporal/client-interceptors.js';
import { call, createTestUser } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { getHarness } from '../support/harness.js';

type LogLine = Record<string, unknown> & { msg?: string };

/*
 * The API's real logger (JSON lines, request id mixed in) writing to a stream the test reads, on a real server: the
 * request id reaches lines written deep in a request without being passed, and the workflows the request starts.
 */
describe('api: request context in logs and in the workflows a request starts', function () {
  this.timeout(120_000);
  const harness = () => getHarness();
  const lines: LogLine[] = [];
  let logger: Logger;
  let server: RunningServer;
  let base: string;
  const taskQueue = `request-context-${randomUUID()}`;

  /** A route only this test has: it logs after an await, without being handed the request id. */
  function deepLogRouter(): Router {
    const router = new Router();
    router.get('/api/test/deep-log', async (ctx) => {
      await sleep(5);
      logger.info({ marker: 'deep' }, 'written far from the request');
      ctx.body = { ok: true };
    });
    return router;
  }

  before(async () => {
    await harness().truncateAll();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    logger = createLogger('info', sink);
    const namespace = `request-context-${randomUUID()}`;
    server = await startServer(
      { ...harness().config, port: 0, logLevel: 'info', temporal: { ...harness().config.temporal, taskQueue } },
      logger,
      {
        rateLimits: {
          global: { max: 1_000_000, namespace: `${namespace}-global` },
          auth: { max: 1_000_000, namespace: `${namespace}-auth` },
          webhooks: { max: 1_000_000, namespace: `${namespace}-webhooks` },
        },
        extraRouters: [deepLogRouter()],
        syncSchedules: false,
      },
    );
    base = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server?.close();
  });

  it('puts the request id on every line written while the request runs', async () => {
    const user = await createTestUser('viewer');
    const session = await call(base, '/api/auth/login', { json: { email: user.email, password: user.password } });
    const requestId = `trace-${randomUUID()}`;
    const reply = await call(base, '/api/test/deep-log', {
      token: session.body.accessToken as string,
      headers: { 'x-request-id': requestId },
    });
    expect(reply.status, reply.text).to.equal(200);

    const deep = lines.find((line) => line.marker === 'deep');
    expect(deep).to.include({ requestId, service: 'api', msg: 'written far from the request' });
    // The request line is written once the response has gone out, which the client may see first.
    const completed = await eventually(
      async () => lines.find((line) => line.msg === 'request completed' && line.path === '/api/test/deep-log'),
      (line) => line !== undefined,
    );
    expect(completed).to.include({ requestId });
    // Lines written outside any request carry no request id.
    logger.info('between requests');
    expect(lines.at(-1)).to.include({ msg: 'between requests' }).and.not.have.property('requestId');
  });

  it('logs each workflow the request starts with its ids, and keeps the request id in the workflow memo', async () => {
    const em = harness().orm.em.fork();
    const connection = em.create(VendorConnection, { vendor: 'jobber', externalAccountId: `ctx-${randomUUID()}` });
    await em.flush();
    const admin = await createTestUser('admin');
    const session = await call(base, '/api/auth/login', { json: { email: admin.email, password: admin.password } });
    const reply = await call(base, '/api/syncs', {
      token: session.body.accessToken as string,
      json: { vendor: 'jobber', connectionId: connection.id, resource: 'customers', mode: 'full' },
    });
    expect(reply.status, reply.text).to.equal(202);
    const requestId = reply.headers.get('x-request-id')!;
    const workflowId = reply.body.workflowId as string;
    const handle = harness().temporalClient.workflow.getHandle(workflowId);
    try {
      const started = lines.find((line) => line.msg === 'workflow started' && line.workflowId === workflowId);
      expect(started).to.include({
        requestId,
        runId: reply.body.runId,
        workflowType: 'syncConnection',
        taskQueue,
      });
      const description = await handle.describe();
      expect(description.memo?.[REQUEST_ID_MEMO]).to.equal(requestId);
    } finally {
      // No worker polls this queue: the sync would wait forever.
      await handle.terminate('test over');
    }
  });
});
