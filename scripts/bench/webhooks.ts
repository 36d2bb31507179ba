import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReport, type ReportLine } from './sync-report.js';
import { startBenchServices } from './sync-services.js';
import { sendBurst } from './webhooks-burst.js';
import { cpuBetween, cpuSnapshot, describeCpu, describeReceivingCost, receivingCost } from './webhooks-cpu.js';
import { BURST_SHARES, burstComposition, planBurst } from './webhooks-deliveries.js';
import { answerCounts, apiSideLatency, describeLatency, latencyByOutcome, latencySummary } from './webhooks-figures.js';
import { BENCH_WEBHOOKS_PER_MINUTE, startWebhookStack } from './webhooks-stack.js';
import { verifyBurst } from './webhooks-verify.js';

const DEFAULTS = { deliveries: 1000, ratePerSecond: 200 };
/**
 * `after` (default): the worker is stopped for the burst and started again to do the work, so the figures are the
 * receiving path's (persist, signal, answer) and not those of syncs competing for the same two cores; `during`: the
 * worker runs the incremental passes and recordings while the burst goes on, as on a one-machine install.
 */
const WORKER_MODES = ['after', 'during'] as const;
type WorkerMode = (typeof WORKER_MODES)[number];

function workerModeArg(args: readonly string[]): WorkerMode {
  const value = args[2] ?? 'after';
  if (!(WORKER_MODES as readonly string[]).includes(value)) {
    throw new Error(`worker mode must be ${WORKER_MODES.join(' or ')}: ${value}`);
  }
  return value as WorkerMode;
}
const TARGET_P99_MS = 50;
/** Fixed, so every run sends the same mix in the same order. */
const SEED = 7;

const log = (line: string) => console.log(`[bench webhooks] ${line}`);

function integerArg(args: readonly string[], index: number, name: string, fallback: number, max: number): number {
  if (args[index] === undefined) return fallback;
  const value = Number(args[index]);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${name} must be 1 to ${max}: ${args[index]}`);
  return value;
}

/**
 * `npm run bench -- webhooks [deliveries rate after|during]` (issue 7): an open-loop burst of signed Jobber, QuickBooks, Slack and
 * Twilio deliveries (20% duplicates, 10% wrong signatures, 5% stale Slack timestamps) against the API in a process
 * of its own, then proof that exactly the valid unique events were stored and acted on once. Figures: answer
 * latency over all answers and per outcome (target p99 < 50 ms on loopback), the achieved rate and the counts.
 * A missed target or a failed check is reported (`verified: false`), not thrown: this is a measurement.
 */
export async function benchWebhooks(args: readonly string[]): Promise<Record<string, unknown>> {
  const count = integerArg(args, 0, 'deliveries', DEFAULTS.deliveries, 100_000);
  const rate = integerArg(args, 1, 'rate per second', DEFAULTS.ratePerSecond, 10_000);
  const workerMode = workerModeArg(args);
  const composition = burstComposition(count);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  log('starting PostgreSQL, Redis and Temporal (throwaway), migrating, bundling workflows');
  const services = await startBenchServices(log);
  try {
    const stack = await startWebhookStack(services, log, dataDir);
    try {
      const ready = await fetch(`${stack.apiBaseUrl}/readyz`);
      if (!ready.ok) throw new Error(`the API is not ready: ${ready.status} ${await ready.text()}`);
      log(
        `webhook rate limit raised to ${BENCH_WEBHOOKS_PER_MINUTE.toLocaleString('en')}/min for the burst ` +
          '(the default is 100/min per source and IP, proven by tests/api/rate-limit.test.ts)',
      );
      const plan = planBurst(stack.targets, count, SEED, randomBytes(4).toString('hex'));
      log(
        `burst: ${count} deliveries at ${rate}/s open-loop (seed ${SEED}): ${composition.unique} valid unique, ` +
          `${composition.duplicate} duplicates, ${composition.bad_signature} wrong signatures, ` +
          `${composition.stale_timestamp} stale Slack timestamps`,
      );
      if (workerMode === 'after') {
        await stack.stopWorker();
        log('worker stopped for the burst (worker mode "after"): the work waits in Temporal until it is back');
      }
      const before = cpuSnapshot();
      const startedAt = new Date();
      const burst = await sendBurst(stack.apiBaseUrl, plan, rate);
      const cpu = cpuBetween(before, cpuSnapshot(), {
        api: stack.api.pid,
        ...(stack.worker ? { worker: stack.worker.pid } : {}),
        'load generator and sandbox': process.pid,
      });
      const cost = receivingCost(cpu, count, rate);
      log(`sent in ${burst.seconds.toFixed(2)} s (${burst.sendRate.toFixed(1)}/s); verifying`);
      if (!stack.worker) await stack.startWorker();
      const verification = await verifyBurst(services, plan, { answers: burst.answers, startedAt }, log);
      const latency = latencyByOutcome(plan, burst.answers);
      const apiSide = apiSideLatency(stack.apiLogFile);
      const lag = latencySummary(burst.answers.map((answer) => answer.lagMs));
      const counts = answerCounts(plan, burst.answers);
      const met = latency.all.p99Ms < TARGET_P99_MS;

      const lines: ReportLine[] = [
        {
          figure: `answer latency, all ${latency.all.count}`,
          measured: describeLatency(latency.all),
          target: `p99 < ${TARGET_P99_MS} ms`,
          met,
        },
        { figure: 'accepted (200, acted on)', measured: describeLatency(latency.accepted), target: '-', met: null },
        {
          figure: 'duplicate (200, not acted on)',
          measured: describeLatency(latency.duplicate),
          target: '-',
          met: null,
        },
        { figure: 'refused (401)', measured: describeLatency(latency.refused), target: '-', met: null },
        { figure: 'API-side time (request log)', measured: describeLatency(apiSide), target: '-', met: null },
        { figure: 'send slot lag (load generator)', measured: describeLatency(lag), target: '-', met: null },
        {
          figure: 'achieved send rate',
          measured: `${burst.sendRate.toFixed(1)}/s (asked ${rate}/s); ${burst.connectionsOpened} connections opened`,
          target: '-',
          met: null,
        },
        { figure: 'CPU during the burst', measured: describeCpu(cpu), target: '-', met: null },
        {
          figure: 'receiving side CPU (api, temporal, pg, redis)',
          measured: describeReceivingCost(cost, rate),
          target: '-',
          met: null,
        },
        {
          figure: 'work the accepted events asked for',
          measured:
            `${verification.signalsCounted} sync signals -> ${verification.syncPasses} incremental passes over ` +
            `${verification.syncWorkflows} syncs; ${verification.inboundMessages} inbound messages recorded`,
          target: '-',
          met: null,
        },
        {
          figure: 'exactly the valid unique acted on, none lost',
          measured: `${verification.checks.filter((entry) => entry.ok).length}/${verification.checks.length} checks`,
          target: 'all checks',
          met: verification.verified,
        },
      ];
      console.log(`\n${formatReport(lines)}\n`);
      for (const entry of verification.checks)
        console.log(`  ${entry.ok ? 'ok  ' : 'FAIL'} ${entry.name}: ${entry.detail}`);
      console.log('');
      if (!verification.verified) log('VERIFICATION FAILED: see the FAIL lines above');

      return {
        deliveries: count,
        requestedRatePerSecond: rate,
        achievedRatePerSecond: Number(burst.sendRate.toFixed(1)),
        seconds: Number(burst.seconds.toFixed(2)),
        connectionsOpened: burst.connectionsOpened,
        seed: SEED,
        composition,
        shares: BURST_SHARES,
        latencyMs: latency,
        apiSideMs: apiSide,
        scheduleLagMs: lag,
        cpuDuringBurst: cpu,
        receivingCost: cost,
        counts: {
          sent: burst.answers.length,
          ...counts,
          rows: verification.rows,
          signalsCounted: verification.signalsCounted,
          syncPasses: verification.syncPasses,
          syncWorkflows: verification.syncWorkflows,
          inboundWorkflows: verification.inboundWorkflowsFound,
          inboundMessages: verification.inboundMessages,
        },
        target: { p99Ms: TARGET_P99_MS, met },
        verified: verification.verified,
        failedChecks: verification.checks.filter((entry) => !entry.ok),
        worker: {
          mode: workerMode,
          taskQueue: stack.taskQueue,
          note:
            'bench worker process (scripts/bench/sync-worker.ts) on its own task queue, after full syncs of every ' +
            'Jobber and QuickBooks resource: runs the incremental passes and inbound recordings the webhooks ask for' +
            (workerMode === 'after' ? '; stopped during the burst and restarted for the work and its checks' : ''),
        },
        api: {
          pid: stack.api.pid,
          note:
            `API in a child process (startServer, LOG_LEVEL info to a file, no sync schedules); webhook rate limit ` +
            `raised to ${BENCH_WEBHOOKS_PER_MINUTE}/min in its own namespace (default 100/min per source and IP)`,
        },
      };
    } finally {
      await stack.stop();
    }
  } finally {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
