import type { ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { SyncLog } from '../../db/entities/index.js';
import { freePort } from '../../scripts/services/ports.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { getHarness } from '../support/harness.js';
import { parsePrometheus, valueOf, type Sample } from '../support/prometheus.js';
import { slowDownJobber, startInterruptibleJobberFixture, type SyncFixture } from '../support/sync-fixture.js';
import { spawnWorkerProcess, until } from '../support/worker-process.js';

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A worker process whose stdout is read line by line; every line must be JSON. */
interface WatchedWorker {
  child: ChildProcess;
  lines: LogLine[];
  exited: Promise<number | null>;
}

describe('the worker process: Temporal SDK metrics, JSON logs and a graceful SIGTERM', function () {
  this.timeout(300_000);
  let fixture: SyncFixture;
  const children: ChildProcess[] = [];

  function watch(child: ChildProcess): WatchedWorker {
    children.push(child);
    const lines: LogLine[] = [];
    // 'close' rather than 'exit': it comes once stdout is drained, so every line has been read.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // A line that is not JSON fails the assertion with the line in the message.
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: `NOT JSON: ${line}` });
      }
    });
    child.stderr!.resume();
    return { child, lines, exited };
  }

  async function scrape(port: number): Promise<Sample[]> {
    const reply = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(reply.status).to.equal(200);
    return parsePrometheus(await reply.text());
  }

  const storedPages = (runId: string) => getHarness().orm.em.fork().count(SyncLog, { runId, step: 'page_stored' });

  before(async () => {
    // Slowed down later, so a SIGTERM lands in the middle of the jobs sync.
    fixture = await startInterruptibleJobberFixture();
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fixture?.close();
  });

  it('exports SDK and sync metrics, logs JSON lines with workflow ids, and on SIGINT + SIGTERM hands its running sync back', async () => {
    const { temporalClient } = getHarness();
    const connection = fixture.connections.jobber!;
    const metricsPort = await freePort();
    const first = watch(
      spawnWorkerProcess(
        fixture.taskQueue,
        { WORKER_METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info', WORKER_SHUTDOWN_GRACE_SECONDS: '1' },
        { captureOutput: true },
      ),
    );

    // A small sync, start to end, on this worker.
    const customers = await startSync(temporalClient, fixture.taskQueue, connection, 'customers', 'full');
    const customersResult = await customers.result();
    expect(customersResult.totals.fetched).to.be.above(0);

    // The worker counts the completion after it has reported it, so the result can come back first: wait for it.
    let samples = await scrape(metricsPort);
    await until(
      async () => {
        samples = await scrape(metricsPort);
        return (
          valueOf(samples, 'temporal_workflow_completed') >= 1 &&
          valueOf(samples, 'sync_runs', { status: 'completed', task_queue: fixture.taskQueue }) >= 1
        );
      },
      'the workflow completion in the worker metrics',
      10_000,
    );
    expect(valueOf(samples, 'temporal_workflow_completed')).to.be.at.least(1);
    expect(valueOf(samples, 'temporal_activity_execution_latency_count')).to.be.at.least(3);
    // Our counters, labelled as the SDK labels its own series.
    const ours = { vendor: 'jobber', resource: 'customers', task_queue: fixture.taskQueue };
    expect(valueOf(samples, 'sync_records', { ...ours, operation: 'fetched', activity_type: 'syncPages' })).to.equal(
      customersResult.totals.fetched,
    );
    expect(valueOf(samples, 'sync_records', { ...ours, operation: 'inserted' })).to.equal(
      customersResult.totals.inserted,
    );
    expect(valueOf(samples, 'sync_runs', { ...ours, status: 'completed', workflow_type: 'syncConnection' })).to.equal(
      1,
    );

    // Every line is JSON from the worker; the sync's lines name its workflow (lines are flushed within a second).
    const customersLinesOf = () => first.lines.filter((line) => line.workflowId === customers.workflowId);
    await until(async () => customersLinesOf().some((line) => line.msg === 'sync completed'), 'the sync log lines');
    expect(first.lines.filter((line) => String(line.msg).startsWith('NOT JSON'))).to.deep.equal([]);
    expect(first.lines.every((line) => line.service === 'worker')).to.equal(true);
    const customersLines = customersLinesOf();
    expect(customersLines.map((line) => line.msg)).to.include.members(['sync started', 'sync completed']);
    expect(customersLines.every((line) => line.workflowRunId === customers.firstExecutionRunId)).to.equal(true);

    // A long sync; SIGTERM once it has stored a few pages.
    await slowDownJobber(fixture);
    const expectedJobs = fixture.running.sandbox.world.jobs.filter((job) => !job.deletedAt).length;
    const jobs = await startSync(temporalClient, fixture.taskQueue, connection, 'jobs', 'full');
    await until(async () => (await storedPages(jobs.firstExecutionRunId)) >= 2, 'two stored pages');
    // As Ctrl-C under `npm start` delivers it: SIGINT from the terminal and SIGTERM from the supervisor together
    // (SIGTERM alone: tests/workflows/scale-out.test.ts).
    first.child.kill('SIGINT');
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);
    const storedAtExit = await storedPages(jobs.firstExecutionRunId);
    expect(storedAtExit).to.be.below(Math.ceil(expectedJobs / 100));

    const messages = first.lines.map((line) => line.msg);
    expect(messages).to.include(
      'shutting down: no new tasks; running activities have the grace time to finish, then are handed back',
    );
    const handedBack = first.lines.find((line) => String(line.msg).startsWith('activity handed back'));
    expect(handedBack, messages.join('\n')).to.include({ workflowId: jobs.workflowId, activityType: 'syncPages' });
    for (const step of ['temporal connection', 'redis', 'database']) {
      expect(
        first.lines.some((line) => line.msg === 'shutdown step done' && line.step === step),
        step,
      ).to.equal(true);
    }
    expect(first.lines.at(-1)).to.include({ msg: 'worker stopped', exitCode: 0 });

    // Another worker finishes the sync: nothing was lost, and the attempt was handed back, not timed out.
    watch(spawnWorkerProcess(fixture.taskQueue, {}, { captureOutput: true }));
    const result = await jobs.result();
    expect(result.totals.fetched).to.equal(expectedJobs);
    expect(await storedPages(jobs.firstExecutionRunId)).to.equal(Math.ceil(expectedJobs / 100));
    const history = await temporalClient.workflow.getHandle(jobs.workflowId, jobs.firstExecutionRunId).fetchHistory();
    const events = history.events ?? [];
    const retried = events
      .map((event) => event.activityTaskStartedEventAttributes)
      .filter((started) => started && (started.attempt ?? 1) > 1);
    expect(retried).to.have.length(1);
    expect(retried[0]!.lastFailure?.applicationFailureInfo?.type).to.equal('WorkerShutdown');
    expect(events.filter((event) => event.activityTaskTimedOutEventAttributes)).to.have.length(0);
  });

  it('exits cleanly on SIGTERM during start-up, with the dependencies still connecting', async () => {
    // A Redis that accepts connections and never answers: start-up waits on it until the signal.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const worker = watch(
        spawnWorkerProcess(
          fixture.taskQueue,
          { REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'info' },
          { captureOutput: true },
        ),
      );
      await until(async () => sockets.length > 0, 'the worker connecting to Redis');
      await until(async () => worker.lines.some((line) => line.msg === 'Temporal runtime installed'), 'the first line');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).to.equal(0);
      const messages = worker.lines.map((line) => line.msg);
      expect(messages).to.include('signal during start-up: closing what is open');
      expect(messages.at(-1)).to.equal('worker stopped');
      expect(messages).not.to.include('worker polling its task queue');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
