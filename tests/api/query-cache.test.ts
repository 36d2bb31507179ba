import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createQueryCache } from '../../api/cache/query-cache.js';
import { DASHBOARD_GENERATION_KEY, EVENTS_CHANNEL, invalidateDashboard } from '../../db/dashboard-generation.js';
import { eventually } from '../support/eventually.js';
import { getHarness } from '../support/harness.js';

const silent = pino({ level: 'silent' });

/** How many MGETs Redis has served: a cache hit from Redis is one, a hit from memory none. */
async function mgetCalls(): Promise<number> {
  return Number(/cmdstat_mget:calls=(\d+)/.exec(await getHarness().redis.info('commandstats'))?.[1] ?? 0);
}
const options = { ttlSeconds: 60 };

/** A computation that counts its runs and takes a while, as a slow aggregate would. */
function slowCompute(value: () => unknown, ms = 100) {
  const counter = { runs: 0 };
  const compute = async () => {
    counter.runs += 1;
    await sleep(ms);
    return value();
  };
  return { counter, compute };
}

describe('query cache (Redis, generation-checked, stampede-safe)', () => {
  it('serves a hit until the dashboard generation moves, then recomputes once', async () => {
    const cache = createQueryCache(getHarness().redis, silent);
    const scope = `test-${randomUUID()}`;
    let figure = 1;
    const { counter, compute } = slowCompute(() => ({ figure }), 5);
    const first = await cache.read(scope, { a: 1 }, compute, options);
    const second = await cache.read(scope, { a: 1 }, compute, options);
    expect([first.hit, second.hit]).to.deep.equal([false, true]);
    expect(JSON.parse(second.json)).to.deep.equal({ figure: 1 });
    expect(counter.runs).to.equal(1);

    figure = 2;
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    const third = await cache.read(scope, { a: 1 }, compute, options);
    expect(third.hit).to.equal(false);
    expect(JSON.parse(third.json)).to.deep.equal({ figure: 2 });
    expect(counter.runs).to.equal(2);
    const otherKey = await cache.read(scope, { a: 2 }, compute, options);
    expect(otherKey.hit).to.equal(false);
  });

  it('computes once for 40 concurrent cold reads spread over two API instances', async () => {
    const instances = [createQueryCache(getHarness().redis, silent), createQueryCache(getHarness().redis, silent)];
    const scope = `test-${randomUUID()}`;
    const { counter, compute } = slowCompute(() => ({ total: '12.50' }), 150);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) => instances[index % 2]!.read(scope, 'k', compute, options)),
    );
    expect(counter.runs).to.equal(1);
    // The filling instance's 20 callers share its one computation; the other instance's 20 read the stored answer.
    const computedBy = new Set(answers.flatMap((answer, index) => (answer.hit ? [] : [index % 2])));
    expect(computedBy.size).to.equal(1);
    expect(answers.filter((answer) => answer.hit)).to.have.length(20);
    expect(new Set(answers.map((answer) => answer.json))).to.deep.equal(new Set(['{"total":"12.50"}']));
  });

  it('never serves as current an answer computed while a write landed', async () => {
    const cache = createQueryCache(getHarness().redis, silent);
    const scope = `test-${randomUUID()}`;
    let figure = 'before';
    const racing = cache.read(
      scope,
      'k',
      async () => {
        const seen = figure;
        await sleep(100);
        return { figure: seen };
      },
      options,
    );
    await sleep(20);
    figure = 'after';
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    expect(JSON.parse((await racing).json)).to.deep.equal({ figure: 'before' });
    const next = await cache.read(scope, 'k', async () => ({ figure }), options);
    expect(next.hit).to.equal(false);
    expect(JSON.parse(next.json)).to.deep.equal({ figure: 'after' });
  });

  it('announces an invalidation as dashboard.invalidated with the new generation', async () => {
    const subscriber = getHarness().redis.duplicate();
    try {
      const received = new Promise<{ event: string; payload: Record<string, unknown> }>((resolve) => {
        subscriber.on('message', (_channel, message: string) => resolve(JSON.parse(message)));
      });
      await subscriber.subscribe(EVENTS_CHANNEL);
      const generation = await invalidateDashboard(getHarness().redis, { scope: 'clients', id: 'c-1' });
      const message = await received;
      expect(message.event).to.equal('dashboard.invalidated');
      expect(message.payload).to.deep.equal({ scope: 'clients', id: 'c-1', generation });
      expect(await getHarness().redis.get(DASHBOARD_GENERATION_KEY)).to.equal(String(generation));
    } finally {
      subscriber.disconnect();
    }
  });

  it("serves hits from memory with no Redis round trip, and sees another process's invalidation over pub/sub", async () => {
    const { redis } = getHarness();
    const cache = createQueryCache(redis, silent);
    const scope = `test-${randomUUID()}`;
    let figure = 1;
    const compute = async () => ({ figure });
    // Filled, then read once more after the tracker's subscription is live (it then vouches for the generation).
    await cache.read(scope, 'k', compute, options);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cache.read(scope, 'k', compute, options);
    const before = await mgetCalls();
    for (let index = 0; index < 50; index += 1)
      expect((await cache.read(scope, 'k', compute, options)).hit).to.equal(true);
    expect(await mgetCalls()).to.equal(before);

    // Another process (the worker) invalidates: only the counter and the published event reach this one.
    figure = 2;
    const other = redis.duplicate();
    try {
      const generation = await other.incr(DASHBOARD_GENERATION_KEY);
      await other.publish(
        EVENTS_CHANNEL,
        JSON.stringify({ event: 'dashboard.invalidated', payload: { scope: 'sync', generation } }),
      );
    } finally {
      other.disconnect();
    }
    const seen = await eventually(
      async () => JSON.parse((await cache.read(scope, 'k', compute, options)).json) as { figure: number },
      (answer) => answer.figure === 2,
      5_000,
    );
    expect(seen).to.deep.equal({ figure: 2 });
  });

  it('answers uncached when Redis is unreachable instead of failing the request', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true });
    unreachable.on('error', () => undefined);
    try {
      const cache = createQueryCache(unreachable, silent);
      const answer = await cache.read('test', 'k', async () => ({ ok: true }), options);
      expect(answer).to.deep.equal({ json: '{"ok":true}', hit: false });
    } finally {
      unreachable.disconnect();
    }
  });
});
