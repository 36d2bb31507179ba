import { randomUUID } from 'node:crypto';
import { jobberLimits, jobberTraffic, minimumSecondsUnderLimits } from './sync-jobber-traffic.js';
import { mutateJobs, pageTimings, plainLoop, storedJobs, temporalSync, type Timed } from './sync-phases.js';
import { formatReport, type ReportLine } from './sync-report.js';
import { connectJobber, startBenchServices, startJobberSandbox, type BenchServices } from './sync-services.js';
import { startWorkerProcess, type WorkerProcess } from './sync-worker-process.js';

/** Jobber's largest page: what the worker asks for by default. */
const PAGE_SIZE = 100;
const INCREMENTAL_CHANGES = 100;
const TARGETS = { temporalShare: 0.5, rateLimitShare: 0.85, workerPeakMb: 400, flatGrowth: 1.2, incrementalSeconds: 3 };

/** Sandbox customers per world (about five Jobber jobs each): ~105k jobs, ~10k jobs, and a ~5k slice under limits. */
const DEFAULT_CUSTOMERS = { large: 21_000, small: 2_000, rateLimited: 1_000 };

function customersFrom(args: readonly string[]) {
  const [large, small, rateLimited] = [0, 1, 2].map((index) => {
    const value = args[index] === undefined ? undefined : Number(args[index]);
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 200_000)) {
      throw new Error(`customers must be an integer from 1 to 200000: ${args[index]}`);
    }
    return value;
  });
  return {
    large: large ?? DEFAULT_CUSTOMERS.large,
    small: small ?? DEFAULT_CUSTOMERS.small,
    rateLimited: rateLimited ?? DEFAULT_CUSTOMERS.rateLimited,
  };
}

const log = (line: string) => console.log(`[bench sync] ${line}`);
const describe = (run: Timed) =>
  `${run.records} records, ${run.pages} pages in ${run.seconds} s (${run.recordsPerSecond}/s)`;

async function expectStored(services: BenchServices, run: Timed): Promise<void> {
  const stored = await storedJobs(services);
  if (stored !== run.records) throw new Error(`the sync reported ${run.records} jobs but ${stored} are stored`);
}

/**
 * `npm run bench -- sync [large small rate-limited]` (customers per sandbox world; each has about five Jobber jobs):
 * full-sync throughput of Jobber jobs through Temporal against a plain loop doing the same fetch and bulk upsert,
 * the share of Jobber's rate limits a sync uses, the worker's peak memory at ~10k and ~100k records, and the time
 * of an incremental sync of 100 changes. Misses are reported, not thrown: this is a measurement.
 */
export async function benchSync(args: readonly string[]): Promise<Record<string, unknown>> {
  const customers = customersFrom(args);
  const traffic = jobberTraffic();
  const workers: WorkerProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const freshWorker = async (services: BenchServices) => {
    const taskQueue = `bench-sync-${randomUUID()}`;
    const worker = await startWorkerProcess({ ...services.worker, taskQueue, pageSize: PAGE_SIZE });
    workers.push(worker);
    // Its peak once polling, before any sync: what the worker costs before it has work.
    return { worker, taskQueue, idlePeakMb: worker.peakRssMb() };
  };
  log('starting PostgreSQL, Redis and Temporal (throwaway), migrating, bundling workflows');
  const services = await startBenchServices(log);
  try {
    const large = await startJobberSandbox(customers.large, traffic);
    cleanups.push(() => large.close());
    const largeConnection = await connectJobber(services, large);

    log('plain loop: fetch + storeRecords per page, no Temporal');
    await services.truncateSyncedData();
    const plain = await plainLoop(services, largeConnection, PAGE_SIZE);
    await expectStored(services, plain);
    log(`plain loop: ${describe(plain)}; fetch ${plain.fetchMsPerPage} ms + store ${plain.storeMsPerPage} ms per page`);

    log('full sync through Temporal (fresh worker process)');
    await services.truncateSyncedData();
    const first = await freshWorker(services);
    const full = await temporalSync(services, first.taskQueue, largeConnection, 'full');
    await expectStored(services, full);
    const peakLargeMb = first.worker.peakRssMb();
    const timings = await pageTimings(services, full.workflowId);
    log(`temporal full sync: ${describe(full)}; worker peak ${peakLargeMb} MB (${first.idlePeakMb} MB once polling)`);
    log(
      `per syncPages call (last ${timings.pages} calls): queue ${timings.queueMs} ms, call ${timings.activityMs} ms, ` +
        `workflow task ${timings.workflowMs} ms`,
    );

    log(`incremental sync of ${INCREMENTAL_CHANGES} changes`);
    await mutateJobs(large, INCREMENTAL_CHANGES);
    const incremental = await temporalSync(services, first.taskQueue, largeConnection, 'incremental');
    log(`incremental: ${describe(incremental)} (mode ${incremental.mode})`);
    await first.worker.stop();
    await large.close();

    log('full sync of the small world (fresh worker process)');
    const small = await startJobberSandbox(customers.small, traffic);
    cleanups.push(() => small.close());
    await services.truncateSyncedData();
    const smallConnection = await connectJobber(services, small);
    const second = await freshWorker(services);
    const smallRun = await temporalSync(services, second.taskQueue, smallConnection, 'full');
    await expectStored(services, smallRun);
    const peakSmallMb = second.worker.peakRssMb();
    log(`small full sync: ${describe(smallRun)}; worker peak ${peakSmallMb} MB (${second.idlePeakMb} MB once polling)`);
    await small.close();

    log('full sync with Jobber rate limits on');
    const limited = await startJobberSandbox(customers.rateLimited, traffic);
    cleanups.push(() => limited.close());
    limited.sandbox.settings.rateLimits = true;
    await services.truncateSyncedData();
    const limitedConnection = await connectJobber(services, limited);
    traffic.reset();
    const limitedRun = await temporalSync(services, second.taskQueue, limitedConnection, 'full');
    await expectStored(services, limitedRun);
    const minimumSeconds = minimumSecondsUnderLimits(traffic);
    const limitShare = minimumSeconds / limitedRun.seconds;
    log(
      `rate-limited sync: ${describe(limitedRun)}; limits allow ${minimumSeconds.toFixed(1)} s; ` +
        `${traffic.throttled} THROTTLED, ${traffic.tooManyRequests} HTTP 429`,
    );
    await second.worker.stop();
    await limited.close();

    const temporalShare = full.recordsPerSecond / plain.recordsPerSecond;
    const growth = peakLargeMb / peakSmallMb;
    const lines: ReportLine[] = [
      {
        figure: `plain loop, ${plain.records} jobs (page ${PAGE_SIZE})`,
        measured: `${plain.recordsPerSecond} rec/s`,
        target: 'reference',
        met: null,
      },
      {
        figure: `Temporal full sync, ${full.records} jobs`,
        measured: `${full.recordsPerSecond} rec/s = ${Math.round(temporalShare * 100)}% of plain`,
        target: `>= ${TARGETS.temporalShare * 100}% of plain`,
        met: temporalShare >= TARGETS.temporalShare,
      },
      {
        figure: `rate limits on, ${limitedRun.records} jobs`,
        measured: `${Math.round(limitShare * 100)}% of max (${limitedRun.seconds} s vs ${minimumSeconds.toFixed(1)} s)`,
        target: `>= ${TARGETS.rateLimitShare * 100}% of max`,
        met: limitShare >= TARGETS.rateLimitShare,
      },
      {
        figure: 'rate limits on: lockout (HTTP 429)',
        measured: `${traffic.tooManyRequests} x 429, ${traffic.throttled} THROTTLED`,
        target: 'no 429',
        met: traffic.tooManyRequests === 0,
      },
      {
        figure: 'worker peak RSS once polling, no sync yet',
        measured: `${Math.max(first.idlePeakMb, second.idlePeakMb)} MB`,
        target: 'reference',
        met: null,
      },
      {
        figure: `worker peak RSS, ${smallRun.records} jobs`,
        measured: `${peakSmallMb} MB`,
        target: `< ${TARGETS.workerPeakMb} MB`,
        met: peakSmallMb < TARGETS.workerPeakMb,
      },
      {
        figure: `worker peak RSS, ${full.records} jobs`,
        measured: `${peakLargeMb} MB (x${growth.toFixed(2)} of small)`,
        target: `< ${TARGETS.workerPeakMb} MB, flat (<= x${TARGETS.flatGrowth})`,
        met: peakLargeMb < TARGETS.workerPeakMb && growth <= TARGETS.flatGrowth,
      },
      {
        figure: `incremental, ${INCREMENTAL_CHANGES} changes over ${full.records} jobs`,
        measured: `${incremental.seconds} s (${incremental.records} fetched)`,
        target: `< ${TARGETS.incrementalSeconds} s`,
        met: incremental.seconds < TARGETS.incrementalSeconds && incremental.records === INCREMENTAL_CHANGES,
      },
    ];
    console.log(`\n${formatReport(lines)}\n`);
    return {
      pageSize: PAGE_SIZE,
      plainLoop: plain,
      temporalFull: { ...full, shareOfPlain: Number(temporalShare.toFixed(3)), perPage: timings },
      rateLimited: {
        ...limitedRun,
        minimumSeconds: Number(minimumSeconds.toFixed(2)),
        shareOfMaximum: Number(limitShare.toFixed(3)),
        throttled: traffic.throttled,
        http429: traffic.tooManyRequests,
        limits: jobberLimits,
      },
      workerPeakRssMb: {
        [smallRun.records]: peakSmallMb,
        [full.records]: peakLargeMb,
        idle: Math.max(first.idlePeakMb, second.idlePeakMb),
      },
      incremental,
      misses: lines.filter((line) => line.met === false).map((line) => line.figure),
    };
  } finally {
    for (const worker of workers) await worker.stop().catch(() => undefined);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await services.stop();
  }
}
