import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { invalidateDashboard } from '../../db/dashboard-generation.js';
import { loadEndpoint, sequentialLatency, startReferenceApp, type LoadFigures } from './api-load.js';
import { REFERENCE_KINDS } from './api-references.js';
import { startApiBenchStack } from './api-stack.js';
import { formatReport, type ReportLine } from './sync-report.js';
import { startBenchServices } from './sync-services.js';

const DEFAULT_CUSTOMERS = 50_000;
const LOAD_SECONDS = 10;
/** Enough concurrent callers to keep both cores busy, as a dashboard opened by a few people at once would. */
const CONNECTIONS = 8;
const COLD_SAMPLES = 40;
const TARGETS = { cachedP99Ms: 20, coldP99Ms: 250, listP99Ms: 50, cachedShareOfBare: 0.4 };

const log = (line: string) => console.log(`[bench api] ${line}`);
const describe = (figures: LoadFigures) =>
  `p50 ${figures.p50Ms} / p99 ${figures.p99Ms} / max ${figures.maxMs} ms; ${figures.requestsPerSecond.toLocaleString('en')} req/s` +
  (figures.non2xx + figures.errors > 0 ? `; ${figures.non2xx} non-2xx, ${figures.errors} errors` : '');

function customersArg(args: readonly string[]): number {
  if (args[0] === undefined) return DEFAULT_CUSTOMERS;
  const value = Number(args[0]);
  if (!Number.isInteger(value) || value < 100 || value > 200_000) {
    throw new Error(`customers must be an integer from 100 to 200000: ${args[0]}`);
  }
  return value;
}

/**
 * The list requests the dashboard makes most: the first page of clients by name, and a job list filtered by two
 * statuses and a scheduled-date window (a month), by date and by creation. Lists are not cached: they show a write
 * at once.
 */
function listUrls(base: string) {
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return {
    clients: `${base}/api/clients?limit=25&sort=name`,
    clientSearch: `${base}/api/clients?limit=25&q=smith`,
    jobsByDate: `${base}/api/jobs?limit=25&status=archived&status=requires_invoicing&from=${day(from)}&to=${day(to)}&sort=-scheduledStart`,
    jobsByCreation: `${base}/api/jobs?limit=25&status=archived&status=requires_invoicing&from=${day(from)}&to=${day(to)}`,
  };
}

/**
 * With BENCH_API_PAUSE set, the synced world stays up (database, Redis, API) until SIGINT, for EXPLAIN and profiling.
 */
async function pauseForInspection(apiBaseUrl: string, token: string, databaseUrl: string): Promise<void> {
  log(`paused (BENCH_API_PAUSE): DATABASE_URL=${databaseUrl} API=${apiBaseUrl} TOKEN=${token}; SIGINT goes on`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}

/**
 * `npm run bench -- api [customers]` (issue 8): the sandbox's large world synced (default 50k customers: ~50k
 * clients, ~250k jobs, their invoices and payments), then p50/p99 and requests/s of the dashboard summary cached
 * and cold, the client list, a filtered job list, and a bare Koa endpoint returning a constant in the same run, with
 * the constant behind koa-jwt, and behind koa-helmet and koa-jwt (the card floor: the least any authenticated
 * request costs).
 */
export async function benchApi(args: readonly string[]): Promise<Record<string, unknown>> {
  const customers = customersArg(args);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  log('starting PostgreSQL, Redis and Temporal (throwaway), migrating, bundling workflows');
  const services = await startBenchServices(log);
  const redis = new Redis(services.worker.redisUrl);
  try {
    const stack = await startApiBenchStack(services, log, dataDir, customers);
    if (process.env.BENCH_API_PAUSE)
      await pauseForInspection(stack.apiBaseUrl, stack.token, services.worker.databaseUrl);
    const bare = await startReferenceApp('bare', stack.apiEnv);
    const jwtOnly = await startReferenceApp('jwt', stack.apiEnv);
    const cardFloor = await startReferenceApp('card', stack.apiEnv);
    try {
      const base = stack.apiBaseUrl;
      const token = stack.token;
      const authorized = { authorization: `Bearer ${token}` };
      const summaryUrl = `${base}/api/dashboard/summary`;
      const load = { connections: CONNECTIONS, seconds: LOAD_SECONDS };

      log(`bare Koa: ${CONNECTIONS} connections for ${LOAD_SECONDS} s`);
      const bareFigures = await loadEndpoint(bare.url, load);
      log(`koa-jwt only (${REFERENCE_KINDS.jwt}): ${CONNECTIONS} connections for ${LOAD_SECONDS} s`);
      const jwtFigures = await loadEndpoint(jwtOnly.url, { ...load, token });
      log(`card floor (${REFERENCE_KINDS.card}): ${CONNECTIONS} connections for ${LOAD_SECONDS} s`);
      const floor = await loadEndpoint(cardFloor.url, { ...load, token });
      log(`summary, cold: ${COLD_SAMPLES} sequential requests, each after an invalidation`);
      const cold = await sequentialLatency(
        COLD_SAMPLES,
        () => invalidateDashboard(redis, { scope: 'bench' }),
        () => fetch(summaryUrl, { headers: authorized }),
      );
      log('summary, cached');
      const cached = await loadEndpoint(summaryUrl, { ...load, token });
      const lists = listUrls(base);
      log('client list');
      const clients = await loadEndpoint(lists.clients, { ...load, token });
      log('client search');
      const clientSearch = await loadEndpoint(lists.clientSearch, { ...load, token });
      log('filtered job lists');
      const jobs = await loadEndpoint(lists.jobsByDate, { ...load, token });
      const jobsByCreation = await loadEndpoint(lists.jobsByCreation, { ...load, token });

      const share = cached.requestsPerSecond / bareFigures.requestsPerSecond;
      const floorShare = floor.requestsPerSecond / bareFigures.requestsPerSecond;
      const jwtShare = jwtFigures.requestsPerSecond / bareFigures.requestsPerSecond;
      const lines: ReportLine[] = [
        { figure: 'bare Koa endpoint (constant)', measured: describe(bareFigures), target: '-', met: null },
        {
          figure: 'koa-jwt only (constant)',
          measured: `${describe(jwtFigures)}; ${(jwtShare * 100).toFixed(0)}% of bare`,
          target: '-',
          met: null,
        },
        {
          figure: 'card floor: koa-helmet + koa-jwt (constant)',
          measured: `${describe(floor)}; ${(floorShare * 100).toFixed(0)}% of bare`,
          target: '-',
          met: null,
        },
        {
          figure: 'summary, cached (authenticated)',
          measured: describe(cached),
          target: `p99 < ${TARGETS.cachedP99Ms} ms`,
          met: cached.p99Ms < TARGETS.cachedP99Ms && cached.non2xx === 0,
        },
        {
          figure: 'cached summary vs bare req/s',
          measured: `${(share * 100).toFixed(0)}%`,
          target: `>= ${TARGETS.cachedShareOfBare * 100}%`,
          met: share >= TARGETS.cachedShareOfBare,
        },
        {
          figure: 'summary, cold (after an invalidation)',
          measured: `${describe(cold)}; ${cold.cacheMisses}/${COLD_SAMPLES} cache misses`,
          target: `p99 < ${TARGETS.coldP99Ms} ms`,
          met: cold.p99Ms < TARGETS.coldP99Ms && cold.non2xx === 0 && cold.cacheMisses === COLD_SAMPLES,
        },
        {
          figure: 'client list (page of 25 by name)',
          measured: describe(clients),
          target: `p99 < ${TARGETS.listP99Ms} ms`,
          met: clients.p99Ms < TARGETS.listP99Ms && clients.non2xx === 0,
        },
        {
          figure: 'client search (q=smith)',
          measured: describe(clientSearch),
          target: '-',
          met: null,
        },
        {
          figure: 'job list (2 statuses, 30 days, by date)',
          measured: describe(jobs),
          target: `p99 < ${TARGETS.listP99Ms} ms`,
          met: jobs.p99Ms < TARGETS.listP99Ms && jobs.non2xx === 0,
        },
        {
          figure: 'job list (same, newest created first)',
          measured: describe(jobsByCreation),
          target: `p99 < ${TARGETS.listP99Ms} ms`,
          met: jobsByCreation.p99Ms < TARGETS.listP99Ms && jobsByCreation.non2xx === 0,
        },
      ];
      console.log(`\n${formatReport(lines)}\n`);
      return {
        customers,
        stored: stack.stored,
        syncSeconds: stack.syncSeconds,
        load: { tool: 'autocannon', connections: CONNECTIONS, seconds: LOAD_SECONDS, warmupSeconds: 2 },
        bare: bareFigures,
        summaryCached: cached,
        summaryCold: cold,
        cachedShareOfBare: Number(share.toFixed(3)),
        jwtOnly: { ...jwtFigures, shareOfBare: Number(jwtShare.toFixed(3)) },
        cardFloor: { ...floor, shareOfBare: Number(floorShare.toFixed(3)) },
        clientList: clients,
        clientSearch,
        jobListByDate: jobs,
        jobListByCreation: jobsByCreation,
        targets: TARGETS,
        met: lines.every((line) => line.met !== false),
      };
    } finally {
      bare.stop();
      jwtOnly.stop();
      cardFloor.stop();
      await stack.stop();
    }
  } finally {
    redis.disconnect();
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
