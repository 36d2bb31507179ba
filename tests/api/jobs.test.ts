import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Job, VendorConnection } from '../../db/entities/index.js';
import { createTestUser, expectError, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';

describe('/api/jobs (real PostgreSQL)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let admin: string;
  let assignee: { id: string; token: string };
  let otherUser: string;
  let viewer: string;
  let client: Client;
  const mark = `zj${randomUUID().slice(0, 8)}`;

  before(async () => {
    // Without a Jobber connection writes are saved only (writeBack: null); tests/workflows covers the push.
    await getHarness().orm.em.fork().nativeDelete(VendorConnection, { vendor: 'jobber' });
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    const assigned = await createTestUser('user');
    assignee = { id: assigned.id, token: (await login(api, assigned)).accessToken };
    otherUser = (await login(api, await createTestUser('user'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    const em = getHarness().orm.em.fork();
    client = em.create(Client, { name: `Jobs client ${mark}` });
    await em.flush();
  });

  after(async () => {
    await api?.close();
  });

  const create = (json: Json, token = admin) => api.call('/api/jobs', { token, json });
  const patchStatus = (id: string, json: Json, token = admin, headers: Record<string, string> = {}) =>
    api.call(`/api/jobs/${id}/status`, { token, json, method: 'PATCH', headers });

  async function walk(query: string): Promise<Json[]> {
    const rows: Json[] = [];
    let cursor: string | null = null;
    do {
      const reply = await api.call(`/api/jobs?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: viewer });
      expect(reply.status, reply.text).to.equal(200);
      rows.push(...(reply.body.data as Json[]));
      cursor = reply.body.page.nextCursor as string | null;
    } while (cursor);
    return rows;
  }

  it('creates, reads (with notes), replaces and soft-deletes a job', async () => {
    const created = await create({
      title: `Replace gutters ${mark}`,
      clientId: client.id,
      scheduledStart: '2027-03-01T09:00:00Z',
      scheduledEnd: '2027-03-01T12:00:00Z',
      estimatedRevenue: '1250.50',
      assignedTo: [assignee.id],
    });
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.include({ status: 'scheduled', estimatedRevenue: '1250.50', version: 1, writeBack: null });
    expect(created.headers.get('etag')).to.equal('"1"');
    const id = created.body.id as string;

    const note = await api.call(`/api/jobs/${id}/notes`, {
      token: assignee.token,
      json: { body: 'Bring the tall ladder' },
    });
    expect(note.status, note.text).to.equal(201);
    const shown = await api.call(`/api/jobs/${id}`, { token: viewer });
    expect(shown.body.notes.map((entry: Json) => entry.body)).to.deep.equal(['Bring the tall ladder']);
    expect(shown.body.notes[0].authorId).to.equal(assignee.id);
    expect(shown.body.version).to.equal(1);

    const replaced = await api.call(`/api/jobs/${id}`, {
      token: assignee.token,
      method: 'PUT',
      json: {
        title: `Replace gutters and downspouts ${mark}`,
        clientId: client.id,
        assignedTo: [assignee.id],
        version: 1,
      },
    });
    expect(replaced.status, replaced.text).to.equal(200);
    expect(replaced.body).to.include({ scheduledStart: null, estimatedRevenue: null, status: 'scheduled', version: 2 });

    const removed = await api.call(`/api/jobs/${id}`, {
      token: admin,
      method: 'DELETE',
      headers: { 'If-Match': '"2"' },
    });
    expect(removed.status, removed.text).to.equal(204);
    expectError(await api.call(`/api/jobs/${id}`, { token: viewer }), 404, 'job_not_found');
    expectError(await patchStatus(id, { status: 'active' }), 404, 'job_not_found');
  });

  it('answers 400 with field paths', async () => {
    const bad = await create({
      title: '',
      estimatedRevenue: 12.5,
      clientId: randomUUID(),
      scheduledStart: 'tomorrow',
    });
    expectError(bad, 400, 'validation_failed');
    expect((bad.body.error.details as Json[]).map((issue) => issue.path)).to.include.members([
      '/title',
      '/estimatedRevenue',
      '/scheduledStart',
    ]);
    const unknownLinks = await create({
      title: 'Links',
      clientId: randomUUID(),
      assignedTo: [randomUUID()],
      scheduledStart: '2027-01-02T10:00:00Z',
      scheduledEnd: '2027-01-02T09:00:00Z',
    });
    expectError(unknownLinks, 400, 'validation_failed');
    expect((unknownLinks.body.error.details as Json[]).map((issue) => issue.path)).to.have.members([
      '/clientId',
      '/assignedTo/0',
      '/scheduledEnd',
    ]);
    expectError(await patchStatus(randomUUID(), { status: 'done' }), 400, 'validation_failed');
    expectError(await api.call(`/api/jobs?from=2027-02-01&to=2027-01-01`, { token: viewer }), 400, 'validation_failed');
  });

  it('moves a job through the state machine and refuses invalid transitions with the allowed ones', async () => {
    const id = (await create({ title: `Machine ${mark}`, assignedTo: [assignee.id] })).body.id as string;
    const started = await patchStatus(id, { status: 'active' }, assignee.token);
    expect(started.status, started.text).to.equal(200);
    expect(started.body).to.include({ status: 'active', version: 2 });
    const again = await patchStatus(id, { status: 'active' });
    expect(again.body.version, 'the same status is no new version').to.equal(2);
    const invalid = await patchStatus(id, { status: 'unscheduled' });
    expectError(invalid, 409, 'invalid_status_transition');
    expect(invalid.body.error.details).to.deep.equal({
      from: 'active',
      allowed: ['on_hold', 'requires_invoicing', 'cancelled'],
    });
    expect((await patchStatus(id, { status: 'requires_invoicing', version: 2 })).body.status).to.equal(
      'requires_invoicing',
    );
    expect((await patchStatus(id, { status: 'archived' })).body.status).to.equal('archived');
    const final = await patchStatus(id, { status: 'active' });
    expectError(final, 409, 'invalid_status_transition');
    expect(final.body.error.details.allowed).to.deep.equal([]);
    expectError(
      await patchStatus(id, { status: 'cancelled' }, admin, { 'If-Match': '"2"' }),
      412,
      'precondition_failed',
    );
  });

  it('accepts transitions out of statuses the Jobber sync stores', async () => {
    const em = getHarness().orm.em.fork();
    const synced = em.create(Job, {
      title: `Synced ${mark}`,
      status: 'late',
      vendor: 'jobber',
      externalId: randomUUID(),
    });
    await em.flush();
    expect((await patchStatus(synced.id, { status: 'active' })).body.status).to.equal('active');
    const vendorDelete = await api.call(`/api/jobs/${synced.id}`, { token: admin, method: 'DELETE' });
    expectError(vendorDelete, 409, 'vendor_owned_record');
  });

  it('lets only admins and assignees change a job, and viewers nothing', async () => {
    const id = (await create({ title: `Permissions ${mark}`, assignedTo: [assignee.id] })).body.id as string;
    expectError(await patchStatus(id, { status: 'active' }, otherUser), 403, 'forbidden');
    const put = await api.call(`/api/jobs/${id}`, { token: otherUser, method: 'PUT', json: { title: 'Mine now' } });
    expectError(put, 403, 'forbidden');
    const note = await api.call(`/api/jobs/${id}/notes`, { token: otherUser, json: { body: 'hi' } });
    expectError(note, 403, 'forbidden');
    expectError(await api.call(`/api/jobs/${id}`, { token: otherUser, method: 'DELETE' }), 403, 'forbidden');
    expectError(await patchStatus(id, { status: 'active' }, viewer), 403, 'forbidden');
    expectError(await create({ title: 'Viewer job' }, viewer), 403, 'forbidden');
    const denials = await getHarness()
      .orm.em.getConnection()
      .execute<Array<{ n: number }>>(
        `select count(*)::int as n from security_events where type = 'permission_denied' and details->>'jobId' = ?`,
        [id],
      );
    expect(denials[0]?.n).to.equal(4);
    // The job is untouched.
    expect((await api.call(`/api/jobs/${id}`, { token: viewer })).body).to.include({
      status: 'unscheduled',
      version: 1,
    });
  });

  it('lets exactly one of two concurrent status changes from the same version win', async () => {
    const id = (await create({ title: `Concurrent ${mark}` })).body.id as string;
    const replies = await Promise.all([
      patchStatus(id, { status: 'active', version: 1 }),
      patchStatus(id, { status: 'on_hold', version: 1 }),
    ]);
    expect(replies.map((reply) => reply.status).sort()).to.deep.equal([200, 409]);
    const loser = replies.find((reply) => reply.status === 409)!;
    expect(loser.body.error.code).to.equal('version_conflict');
  });

  it('paginates every sort exactly once and filters by status, client, assignee, dates and text', async () => {
    const em = getHarness().orm.em.fork();
    const other = em.create(Client, { name: `Other ${mark}` });
    const specs: Array<[string, string, Date | null, Client | null, string[]]> = [
      ['Paint fence', 'scheduled', new Date('2027-05-01T10:00:00Z'), client, [assignee.id]],
      ['Fix roof', 'active', new Date('2027-05-02T10:00:00Z'), client, []],
      ['Clean gutters', 'on_hold', new Date('2027-05-03T10:00:00Z'), other, [assignee.id]],
      ['Mow lawn', 'unscheduled', null, other, []],
      ['Wash windows', 'active', new Date('2027-06-01T10:00:00Z'), null, []],
    ];
    const ids: string[] = [];
    for (const [title, status, start, owner, assigned] of specs) {
      const job = em.create(Job, {
        title: `${title} ${mark}-list`,
        status,
        scheduledStart: start,
        client: owner,
        assignedTo: assigned,
        description: title === 'Fix roof' ? 'Shingles blown off' : null,
      });
      ids.push(job.id);
    }
    await em.flush();
    const q = `q=${mark}-list`;
    for (const sort of ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'title', '-title']) {
      const walked = (await walk(`${q}&sort=${sort}`)).map((row) => row.id as string);
      expect(walked, sort).to.have.members(ids);
      expect(walked, sort).to.have.length(ids.length);
    }
    const titles = async (query: string) =>
      (await walk(`${q}&${query}`)).map((row) => (row.title as string).split(` ${mark}`)[0]).sort();
    expect(await titles('status=active')).to.deep.equal(['Fix roof', 'Wash windows']);
    expect(await titles('status=active&status=on_hold')).to.deep.equal(['Clean gutters', 'Fix roof', 'Wash windows']);
    expect(await titles(`clientId=${other.id}`)).to.deep.equal(['Clean gutters', 'Mow lawn']);
    expect(await titles(`assignedTo=${assignee.id}`)).to.deep.equal(['Clean gutters', 'Paint fence']);
    expect(await titles('from=2027-05-02&to=2027-05-03')).to.deep.equal(['Clean gutters', 'Fix roof']);
    // A window's jobs by date, both ways, paged two at a time; unscheduled ones are outside any window.
    const byDate = async (sort: string) =>
      (await walk(`${q}&from=2027-05-01&to=2027-06-30&sort=${sort}`)).map(
        (row) => (row.title as string).split(` ${mark}`)[0],
      );
    expect(await byDate('scheduledStart')).to.deep.equal(['Paint fence', 'Fix roof', 'Clean gutters', 'Wash windows']);
    expect(await byDate('-scheduledStart')).to.deep.equal(['Wash windows', 'Clean gutters', 'Fix roof', 'Paint fence']);
    const unbounded = await api.call(`/api/jobs?${q}&sort=scheduledStart`, { token: viewer });
    expectError(unbounded, 400, 'validation_failed');
    expect(unbounded.body.error.details).to.deep.include({
      location: 'query',
      path: '/sort',
      message: 'scheduledStart needs a from or to bound (unscheduled jobs have none)',
    });
    expect((await walk('q=SHINGLES')).map((row) => row.id)).to.include(ids[1]);
  });
});
