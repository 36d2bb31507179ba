import { ScheduleNotFoundError } from '@temporalio/client';
import { expect } from 'chai';
import { SyncLog } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { deleteSyncSchedules, ensureSyncSchedules, type ScheduledConnection } from '../../temporal/sync-schedules.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import { startTestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

describe('periodic syncs as Temporal Schedules', function () {
  this.timeout(120_000);
  let fixture: SyncFixture;
  let connection: ScheduledConnection;

  const scheduleOf = (resource: string) =>
    getHarness().temporalClient.schedule.getHandle(workflowIds.syncSchedule(connection.id, resource));

  before(async () => {
    fixture = await startSyncFixture({ factories: [createJobberSimulator], vendors: ['jobber'], pageSize: 50 });
    connection = { ...fixture.connections.jobber!, status: 'connected', syncIntervalMinutes: 15 };
  });

  after(async () => {
    await deleteSyncSchedules(getHarness().temporalClient, connection);
    await fixture?.close();
  });

  it('creates one schedule per resource of the vendor, at the connection interval', async () => {
    const ids = await ensureSyncSchedules(getHarness().temporalClient, fixture.taskQueue, connection);
    expect(ids).to.have.length(4);
    const description = await scheduleOf('jobs').describe();
    expect(description.spec.intervals?.[0]?.every).to.equal(15 * 60_000);
    expect(description.action.type).to.equal('startWorkflow');
    expect(description.action.type === 'startWorkflow' && description.action.workflowType).to.equal('scheduledSync');
    expect(description.state.paused).to.equal(false);
  });

  it('updates in place when the interval changes, and pauses while the connection needs re-authorization', async () => {
    const client = getHarness().temporalClient;
    await ensureSyncSchedules(client, fixture.taskQueue, { ...connection, syncIntervalMinutes: 60 });
    expect((await scheduleOf('quotes').describe()).spec.intervals?.[0]?.every).to.equal(60 * 60_000);
    await ensureSyncSchedules(client, fixture.taskQueue, { ...connection, status: 'needs_reauth' });
    const paused = await scheduleOf('quotes').describe();
    expect(paused.state.paused).to.equal(true);
    expect(paused.state.note).to.match(/needs_reauth/);
    await ensureSyncSchedules(client, fixture.taskQueue, connection);
    expect((await scheduleOf('quotes').describe()).state.paused).to.equal(false);
  });

  it('a due schedule runs the sync under its business id, so it coalesces with syncs started elsewhere', async () => {
    await scheduleOf('customers').trigger();
    const syncId = workflowIds.sync(connection.id, 'customers');
    const em = getHarness().orm.em.fork();
    const deadline = Date.now() + 60_000;
    while ((await em.count(SyncLog, { workflowId: syncId, step: 'completed' })) === 0) {
      if (Date.now() > deadline) throw new Error('the scheduled sync did not complete');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The schedule's first, immediate run may still be on the extra pass this trigger asked for: wait for the end.
    const result = await getHarness().temporalClient.workflow.getHandle(syncId).result();
    expect(result.done).to.equal(true);
    // No stored checkpoint yet: the scheduled incremental sync became a full one.
    expect(await em.count(SyncLog, { workflowId: syncId, step: 'page_stored' })).to.be.greaterThan(0);
  });

  it('an API that starts brings every connection in the database its schedules', async () => {
    await deleteSyncSchedules(getHarness().temporalClient, connection);
    const harness = getHarness();
    const api = await startTestApi({
      config: { temporal: { ...harness.config.temporal, taskQueue: fixture.taskQueue } },
      syncSchedules: true,
    });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = await scheduleOf('invoices')
          .describe()
          .then(() => true)
          .catch(() => false);
        if (found) break;
        if (Date.now() > deadline) throw new Error('the API did not create the schedules');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await api.close();
    }
  });

  it('removes the schedules with the connection', async () => {
    await deleteSyncSchedules(getHarness().temporalClient, connection);
    let failure: unknown;
    try {
      await scheduleOf('jobs').describe();
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(ScheduleNotFoundError);
    await deleteSyncSchedules(getHarness().temporalClient, connection);
  });
});
