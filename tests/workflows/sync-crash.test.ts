import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { SyncLog } from '../../db/entities/index.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { getHarness } from '../support/harness.js';
import { slowDownJobber, startInterruptibleJobberFixture, type SyncFixture } from '../support/sync-fixture.js';
import { spawnWorkerProcess, until } from '../support/worker-process.js';
import { snapshotUnifiedTables, UNIFIED_TABLES } from '../support/sync-snapshot.js';

describe('a worker killed with SIGKILL in the middle of a full sync', function () {
  this.timeout(300_000);
  let fixture: SyncFixture;
  const workers: ChildProcess[] = [];

  function startWorkerProcess(): ChildProcess {
    const child = spawnWorkerProcess(fixture.taskQueue);
    workers.push(child);
    return child;
  }

  const sql = <T extends Record<string, unknown>>(query: string, params: unknown[] = []) =>
    getHarness().orm.em.getConnection().execute<T[]>(query, params);

  async function jobberRequests(): Promise<number> {
    const reply = await fetch(`${fixture.running.controlUrl}/_sandbox`);
    return ((await reply.json()) as { requests: Record<string, number> }).requests.jobber ?? 0;
  }

  async function storedPages(runId: string): Promise<number> {
    return getHarness().orm.em.fork().count(SyncLog, { runId, step: 'page_stored' });
  }

  before(async () => {
    // Slowed down so the kill lands mid-sync.
    fixture = await startInterruptibleJobberFixture();
    await slowDownJobber(fixture);
  });

  after(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await fixture?.close();
  });

  it('is finished by a new worker: rows identical to an uninterrupted run, no duplicates, at most one page fetched twice', async () => {
    const { temporalClient } = getHarness();
    const connection = fixture.connections.jobber!;
    const expectedJobs = fixture.running.sandbox.world.jobs.filter((job) => !job.deletedAt).length;
    const pages = Math.ceil(expectedJobs / 100);

    // The reference: an uninterrupted run.
    const steady = startWorkerProcess();
    const reference = await startSync(temporalClient, fixture.taskQueue, connection, 'jobs', 'full');
    await reference.result();
    const uninterrupted = await snapshotUnifiedTables(getHarness().orm.em.fork());
    steady.kill('SIGTERM');
    await new Promise((resolve) => steady.once('exit', resolve));
    await sql(`truncate ${UNIFIED_TABLES.map((table) => `"${table}"`).join(', ')} cascade`);
    await sql(`update vendor_connections set sync_cursors = '{}'`);
    await temporalClient.workflow.getHandle(reference.workflowId).describe(); // closed: the id is free again

    const doomed = startWorkerProcess();
    const requestsBefore = await jobberRequests();
    const handle = await startSync(temporalClient, fixture.taskQueue, connection, 'jobs', 'full');
    await until(async () => (await storedPages(handle.firstExecutionRunId)) >= 4, 'four stored pages');
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    const storedAtKill = await storedPages(handle.firstExecutionRunId);
    expect(storedAtKill).to.be.lessThan(pages);

    startWorkerProcess();
    const result = await handle.result();
    expect(result.done).to.equal(true);
    expect(result.totals.fetched).to.equal(expectedJobs);

    expect(await snapshotUnifiedTables(getHarness().orm.em.fork())).to.deep.equal(uninterrupted);
    const [live] = await sql<{ count: string }>(`select count(*) as count from jobs where deleted_at is null`);
    expect(Number(live?.count)).to.equal(expectedJobs);
    const duplicates = await sql(`select external_id from jobs group by vendor, external_id having count(*) > 1`);
    expect(duplicates).to.have.length(0);
    // Every page was stored once; the vendor saw at most one page more than there are pages.
    expect(await storedPages(handle.firstExecutionRunId)).to.equal(pages);
    expect((await jobberRequests()) - requestsBefore).to.be.at.most(pages + 1);
  });
});
