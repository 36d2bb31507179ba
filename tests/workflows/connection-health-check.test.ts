import { expect } from 'chai';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { defaultVendorClients } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { SyncLog } from '../../db/entities/sync-log.js';
import { VendorConnection } from '../../db/entities/vendor-connection.js';
import { failureTypes } from '../../temporal/failures.js';
import { searchAttributes } from '../../temporal/search-attributes.js';
import { startConnectionHealthCheck } from '../../temporal/workflow-starters.js';
import { createRedisEventPublisher, EVENTS_CHANNEL } from '../../worker/event-publisher.js';
import { createWorker } from '../../worker/worker.js';
import { getHarness } from '../support/harness.js';

describe('connectionHealthCheck workflow (real Temporal, PostgreSQL and Redis)', function () {
  this.timeout(120_000);
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async function () {
    const harness = getHarness();
    taskQueue = harness.uniqueTaskQueue('health');
    worker = await createWorker({
      connection: harness.nativeConnection,
      namespace: harness.config.temporal.namespace,
      taskQueue,
      workflowBundle: await harness.workflowBundle(),
      deps: {
        orm: harness.orm,
        events: createRedisEventPublisher(harness.redis),
        redis: harness.redis,
        credentials: createCredentialsCipher(harness.config.credentialsKey),
        vendors: defaultVendorClients(),
      },
    });
    running = worker.run();
  });

  after(async function () {
    worker.shutdown();
    await running;
  });

  beforeEach(() => getHarness().truncateAll());

  async function insertConnection(credentialsEncrypted: string | null, status = 'connected' as const) {
    const em = getHarness().orm.em.fork();
    const connection = em.create(VendorConnection, {
      vendor: 'jobber',
      externalAccountId: `acct-${Math.random().toString(36).slice(2)}`,
      status,
      credentialsEncrypted,
    });
    await em.flush();
    return connection;
  }

  it('reports a healthy connection, records the verdict in sync_log and announces it', async function () {
    const harness = getHarness();
    const cipher = createCredentialsCipher(harness.config.credentialsKey);
    const connection = await insertConnection(cipher.encrypt({ accessToken: 'a', refreshToken: 'r' }));
    const subscriber = new Redis(harness.redisUrl);
    const announced = new Promise<{ event: string; payload: { connectionId: string } }>((resolve) => {
      subscriber.on('message', (_channel, message: string) => resolve(JSON.parse(message)));
    });
    await subscriber.subscribe(EVENTS_CHANNEL);
    try {
      const handle = await startConnectionHealthCheck(harness.temporalClient, taskQueue, connection);
      const result = await handle.result();

      expect(result).to.deep.include({ connectionId: connection.id, vendor: 'jobber', healthy: true });
      const rows = await harness.orm.em.fork().find(SyncLog, { workflowId: handle.workflowId });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.deep.include({ service: 'jobber', operation: 'health_check', status: 'succeeded' });
      expect(rows[0]?.runId).to.equal(handle.firstExecutionRunId);
      const event = await announced;
      expect(event.event).to.equal('connection.checked');
      expect(event.payload.connectionId).to.equal(connection.id);

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(searchAttributes.connectionId)).to.equal(connection.id);
      expect(description.typedSearchAttributes.get(searchAttributes.vendor)).to.equal('jobber');
    } finally {
      subscriber.disconnect();
    }
  });

  it('calls a connection without credentials unhealthy but still records the check', async function () {
    const harness = getHarness();
    const connection = await insertConnection(null);
    const handle = await startConnectionHealthCheck(harness.temporalClient, taskQueue, connection);
    const result = await handle.result();
    expect(result.healthy).to.equal(false);
    expect(result.problem).to.equal('no credentials stored');
    const rows = await harness.orm.em.fork().find(SyncLog, { workflowId: handle.workflowId });
    expect(rows.map((row) => row.status)).to.deep.equal(['failed']);
  });

  it('fails without retrying when the connection does not exist, and logs why', async function () {
    const harness = getHarness();
    const missing = { id: '00000000-0000-4000-8000-000000000000', vendor: 'slack' };
    const handle = await startConnectionHealthCheck(harness.temporalClient, taskQueue, missing);
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(WorkflowFailedError);
    const root = (failure as WorkflowFailedError).cause?.cause;
    expect(root).to.be.instanceOf(ApplicationFailure);
    expect((root as ApplicationFailure).type).to.equal(failureTypes.connectionNotFound);
    const rows = await harness.orm.em.fork().find(SyncLog, { workflowId: handle.workflowId });
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({ status: 'failed', resourceId: missing.id });
    expect(rows[0]?.errorMessage).to.match(/does not exist/);
  });

  it('fails as CredentialsUnreadable when the stored secret was sealed with another key', async function () {
    const harness = getHarness();
    const foreign = createCredentialsCipher('ab'.repeat(32)).encrypt({ accessToken: 'x' });
    const connection = await insertConnection(foreign);
    const handle = await startConnectionHealthCheck(harness.temporalClient, taskQueue, connection);
    const failure = (await handle.result().catch((error: unknown) => error)) as WorkflowFailedError;
    expect(failure).to.be.instanceOf(WorkflowFailedError);
    expect((failure.cause?.cause as ApplicationFailure).type).to.equal(failureTypes.credentialsUnreadable);
  });

  it('joins the running check instead of starting a second one for the same connection', async function () {
    const harness = getHarness();
    const connection = await insertConnection(null);
    const [first, second] = await Promise.all([
      startConnectionHealthCheck(harness.temporalClient, taskQueue, connection),
      startConnectionHealthCheck(harness.temporalClient, taskQueue, connection),
    ]);
    expect(second.firstExecutionRunId).to.equal(first.firstExecutionRunId);
    await first.result();
  });
});
