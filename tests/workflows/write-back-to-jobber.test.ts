import { expect } from 'chai';
import { createJobberWriteBackActivities } from '../../activities/jobber-write-back.activities.js';
import { defaultVendorClients } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { Client, Job } from '../../db/entities/index.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { decodeId } from '../../sandbox/vendors/jobber/ids.js';
import { createRedisEventPublisher } from '../../worker/event-publisher.js';
import { createTestUser, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

describe('writeBackToJobber (real Temporal, Jobber sandbox)', function () {
  this.timeout(300_000);
  let fixture: SyncFixture;
  let api: TestApi;
  let admin: string;

  const world = () => fixture.running.sandbox.world;
  const finished = (workflowId: string) => getHarness().temporalClient.workflow.getHandle(workflowId).result();
  const clientRow = (id: string) => getHarness().orm.em.fork().findOneOrFail(Client, { id });
  const jobRow = (id: string) => getHarness().orm.em.fork().findOneOrFail(Job, { id });

  before(async () => {
    fixture = await startSyncFixture({ factories: [createJobberSimulator], vendors: ['jobber'] });
    const harness = getHarness();
    api = await startTestApi({ config: { temporal: { ...harness.config.temporal, taskQueue: fixture.taskQueue } } });
    admin = (await login(api, await createTestUser('admin'))).accessToken;
  });

  after(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('creates a client in Jobber once, records its id, and pushes later edits with clientEdit', async () => {
    const customersBefore = world().customers.length;
    const created = await api.call('/api/clients', {
      token: admin,
      json: { name: 'Morgan Avery', email: 'morgan@example.test', phone: '512-555-0142' },
    });
    expect(created.status, created.text).to.equal(201);
    const writeBack = created.body.writeBack as Json;
    expect(writeBack.workflowId).to.equal(`write-back:client:${created.body.id as string}`);
    expect(await finished(writeBack.workflowId as string)).to.include({ action: 'created' });

    const client = await clientRow(created.body.id as string);
    expect(client.jobberId).to.be.a('string');
    // Recording Jobber's id is bookkeeping: the caller's version stays current.
    expect(client.version).to.equal(1);
    expect(world().customers.length).to.equal(customersBefore + 1);
    const customer = world().customers[decodeId('Client', client.jobberId)!]!;
    expect(customer).to.include({
      firstName: 'Morgan',
      lastName: 'Avery',
      email: 'morgan@example.test',
      phone: '+15125550142',
    });

    const edited = await api.call(`/api/clients/${client.id}`, {
      token: admin,
      method: 'PUT',
      headers: { 'If-Match': '"1"' },
      json: { name: 'Morgan Avery-Lane', email: 'morgan.lane@example.test' },
    });
    expect(edited.status, edited.text).to.equal(200);
    expect(await finished((edited.body.writeBack as Json).workflowId as string)).to.include({ action: 'updated' });
    expect(world().customers.length, 'no second Jobber client').to.equal(customersBefore + 1);
    expect(customer).to.include({
      firstName: 'Morgan',
      lastName: 'Avery-Lane',
      email: 'morgan.lane@example.test',
      phone: null,
    });
  });

  it('creates a job (and its client) in Jobber, records the external id, and edits it afterwards', async () => {
    const clientReply = await api.call('/api/clients', { token: admin, json: { name: 'Riley Chen' } });
    await finished((clientReply.body.writeBack as Json).workflowId as string);
    const jobsBefore = world().jobs.length;
    const created = await api.call('/api/jobs', {
      token: admin,
      json: {
        title: 'Install heat pump',
        description: 'Side yard',
        clientId: clientReply.body.id,
        scheduledStart: '2027-04-01T15:00:00Z',
        scheduledEnd: '2027-04-01T18:00:00Z',
      },
    });
    expect(created.status, created.text).to.equal(201);
    expect(await finished((created.body.writeBack as Json).workflowId as string)).to.include({ action: 'created' });
    const job = await jobRow(created.body.id as string);
    expect(job).to.include({ vendor: 'jobber', version: 1 });
    expect(job.externalId).to.equal(job.jobberJobId);
    expect(world().jobs.length).to.equal(jobsBefore + 1);
    const vendorJob = world().jobs[decodeId('Job', job.jobberJobId)!]!;
    const client = await clientRow(clientReply.body.id as string);
    expect(vendorJob).to.include({ title: 'Install heat pump', customerKey: decodeId('Client', client.jobberId) });
    expect(vendorJob.startAt).to.equal(Date.parse('2027-04-01T15:00:00Z'));
    expect(job.number).to.equal(String(vendorJob.jobNumber));

    const edited = await api.call(`/api/jobs/${job.id}`, {
      token: admin,
      method: 'PUT',
      json: { title: 'Install heat pump and thermostat', clientId: client.id, version: 1 },
    });
    expect(edited.status, edited.text).to.equal(200);
    expect(await finished((edited.body.writeBack as Json).workflowId as string)).to.include({ action: 'updated' });
    expect(vendorJob.title).to.equal('Install heat pump and thermostat');
    expect(world().jobs.length, 'no second Jobber job').to.equal(jobsBefore + 1);
  });

  it('does not create twice when the push is retried, nor when a job and its client race', async () => {
    const harness = getHarness();
    const { pushRowToJobber } = createJobberWriteBackActivities({
      orm: harness.orm,
      events: createRedisEventPublisher(harness.redis),
      redis: harness.redis,
      credentials: createCredentialsCipher(harness.config.credentialsKey),
      vendors: defaultVendorClients(),
    });
    const em = harness.orm.em.fork();
    const client = em.create(Client, { name: 'Sam Ortega', email: 'sam@example.test' });
    const job = em.create(Job, { client, title: 'Fix fence', status: 'unscheduled' });
    await em.flush();
    const connectionId = fixture.connections.jobber!.id;
    const customersBefore = world().customers.length;
    const jobsBefore = world().jobs.length;
    // The job's push creates its client; the client's own push runs at the same time.
    const [jobPush, clientPush] = await Promise.all([
      pushRowToJobber({ kind: 'job', id: job.id, connectionId }),
      pushRowToJobber({ kind: 'client', id: client.id, connectionId }),
    ]);
    expect(jobPush.action).to.equal('created');
    expect(['created', 'updated']).to.include(clientPush.action);
    const retried = await pushRowToJobber({ kind: 'job', id: job.id, connectionId });
    expect(retried).to.deep.include({ action: 'updated', externalId: (jobPush as { externalId: string }).externalId });
    expect(await pushRowToJobber({ kind: 'client', id: client.id, connectionId })).to.include({ action: 'updated' });
    expect(world().customers.length).to.equal(customersBefore + 1);
    expect(world().jobs.length).to.equal(jobsBefore + 1);
  });
});
