import { expect } from 'chai';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { getHarness } from '../support/harness.js';

interface Readiness {
  status: string;
  checks: Record<'postgres' | 'redis' | 'temporal', { status: 'up' | 'down'; error?: string }>;
}

describe('GET /readyz while PostgreSQL goes away and comes back', function () {
  this.timeout(120_000);
  let server: RunningServer;

  const readiness = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  before(async function () {
    if (!getHarness().stack.postgres) this.skip(); // an external TEST_DATABASE_URL is not ours to stop
    server = await startServer({ ...getHarness().config, port: 0 }, pino({ level: 'silent' }));
  });

  after(async function () {
    await server?.close();
  });

  it('answers 503 naming postgres while it is down, and 200 again once it is back, without a restart', async function () {
    const postgres = getHarness().stack.postgres!;
    const before = await readiness();
    expect(before.status).to.equal(200);
    expect(before.body.checks.postgres.status).to.equal('up');

    await postgres.stop();
    try {
      const down = await readiness();
      expect(down.status).to.equal(503);
      expect(down.body.status).to.equal('unavailable');
      expect(down.body.checks.postgres.status).to.equal('down');
      expect(down.body.checks.postgres.error).to.be.a('string').with.length.greaterThan(0);
      expect(down.body.checks.redis.status).to.equal('up');
      expect(down.body.checks.temporal.status).to.equal('up');
    } finally {
      await postgres.restart();
    }

    const back = await readiness();
    expect(back.status).to.equal(200);
    expect(back.body.checks.postgres.status).to.equal('up');
  });
});
