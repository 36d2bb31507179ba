import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Invoice, Job, VendorConnection } from '../../db/entities/index.js';
import { createTestUser, expectError, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';

describe('/api/clients (real PostgreSQL)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let admin: string;
  let user: string;
  let viewer: string;
  /** Unique per run, so lists can be filtered to this suite's rows (the database is shared). */
  const mark = `zq${randomUUID().slice(0, 8)}`;

  before(async () => {
    // Without a Jobber connection writes are saved only (writeBack: null); tests/workflows covers the push.
    await getHarness().orm.em.fork().nativeDelete(VendorConnection, { vendor: 'jobber' });
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
  });

  after(async () => {
    await api?.close();
  });

  const create = (json: Json, token = admin) => api.call('/api/clients', { token, json });
  const put = (id: string, json: Json, headers: Record<string, string> = {}, token = admin) =>
    api.call(`/api/clients/${id}`, { token, json, method: 'PUT', headers });

  async function walk(query: string): Promise<Json[]> {
    const rows: Json[] = [];
    let cursor: string | null = null;
    do {
      const reply = await api.call(`/api/clients?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
        token: viewer,
      });
      expect(reply.status, reply.text).to.equal(200);
      rows.push(...(reply.body.data as Json[]));
      cursor = reply.body.page.nextCursor as string | null;
    } while (cursor);
    return rows;
  }

  it('creates, reads, replaces and soft-deletes a client, with ETags and versions', async () => {
    const created = await create({ name: `Dana Ortiz ${mark}`, email: 'dana@example.test', tags: ['vip'] }, user);
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.include({
      name: `Dana Ortiz ${mark}`,
      email: 'dana@example.test',
      version: 1,
      writeBack: null,
    });
    expect(created.headers.get('etag')).to.equal('"1"');
    const id = created.body.id as string;

    const shown = await api.call(`/api/clients/${id}`, { token: viewer });
    expect(shown.status).to.equal(200);
    expect(shown.headers.get('etag')).to.equal('"1"');
    expect(shown.body.tags).to.deep.equal(['vip']);

    const replaced = await put(id, { name: `Dana Ortiz-Lee ${mark}`, phone: '+1 512 555 0100' }, { 'If-Match': '"1"' });
    expect(replaced.status, replaced.text).to.equal(200);
    // PUT replaces: the omitted email and tags are cleared.
    expect(replaced.body).to.include({
      name: `Dana Ortiz-Lee ${mark}`,
      email: null,
      phone: '+1 512 555 0100',
      version: 2,
    });
    expect(replaced.body.tags).to.deep.equal([]);

    const deleted = await api.call(`/api/clients/${id}`, {
      token: admin,
      method: 'DELETE',
      headers: { 'If-Match': '"2"' },
    });
    expect(deleted.status, deleted.text).to.equal(204);
    expectError(await api.call(`/api/clients/${id}`, { token: viewer }), 404, 'client_not_found');
    expectError(await put(id, { name: 'Back' }), 404, 'client_not_found');
    const row = await getHarness().orm.em.fork().findOneOrFail(Client, { id });
    expect(row.deletedAt).to.be.instanceOf(Date);
    expect(await walk(`q=${mark}`)).to.deep.equal([]);
  });

  it('answers 400 with field paths, and 404 for an unknown id', async () => {
    const bad = await create({ name: '', email: 'not-an-email', extra: 1 });
    expectError(bad, 400, 'validation_failed');
    const paths = (bad.body.error.details as Json[]).map((issue) => issue.path);
    expect(paths).to.include.members(['/name', '/email', '/extra']);
    expectError(await api.call(`/api/clients/${randomUUID()}`, { token: viewer }), 404, 'client_not_found');
    expectError(await api.call('/api/clients/not-a-uuid', { token: viewer }), 400, 'validation_failed');
    expectError(await api.call('/api/clients?sort=-bogus', { token: viewer }), 400, 'validation_failed');
  });

  it('lets viewers read but not write', async () => {
    expectError(await create({ name: 'Nope' }, viewer), 403, 'forbidden');
    const created = await create({ name: `Viewer target ${mark}` });
    expectError(await put(created.body.id as string, { name: 'x' }, {}, viewer), 403, 'forbidden');
    const deleted = await api.call(`/api/clients/${created.body.id as string}`, { token: viewer, method: 'DELETE' });
    expectError(deleted, 403, 'forbidden');
  });

  it('refuses stale versions: 412 for If-Match, 409 for a body version; exactly one of two racing PUTs wins', async () => {
    const id = (await create({ name: `Race ${mark}` })).body.id as string;
    const racers = await Promise.all(
      [1, 2, 3, 4].map((n) => put(id, { name: `Racer ${n} ${mark}` }, { 'If-Match': '"1"' })),
    );
    expect(racers.map((reply) => reply.status).sort()).to.deep.equal([200, 412, 412, 412]);
    const stale = await put(id, { name: 'Stale', version: 1 });
    expectError(stale, 409, 'version_conflict');
    expect(stale.body.error.details).to.deep.equal({ currentVersion: 2 });
    expectError(await put(id, { name: 'Stale' }, { 'If-Match': '"1"' }), 412, 'precondition_failed');
    expectError(await put(id, { name: 'Both', version: 2 }, { 'If-Match': '"3"' }), 400, 'validation_failed');
    // Without either, the edit applies to whatever version is current.
    const blind = await put(id, { name: `Blind ${mark}` });
    expect(blind.body.version).to.equal(3);
  });

  it('bumps the version when something else (a sync) changes the row, so an old If-Match loses', async () => {
    const id = (await create({ name: `Synced ${mark}` })).body.id as string;
    const em = getHarness().orm.em.fork();
    await em.getConnection().execute(`update clients set email = 'new@example.test' where id = ?`, [id]);
    // Bookkeeping columns (a vendor id recorded by the write-back) do not make a new version.
    await em.getConnection().execute(`update clients set jobber_synced_at = now() where id = ?`, [id]);
    const shown = await api.call(`/api/clients/${id}`, { token: viewer });
    expect(shown.body.version).to.equal(2);
    expectError(await put(id, { name: 'Late' }, { 'If-Match': '"1"' }), 412, 'precondition_failed');
  });

  it('refuses to delete a client with jobs unless cascade=true, and a vendor-owned client always', async () => {
    const em = getHarness().orm.em.fork();
    const local = em.create(Client, { name: `With jobs ${mark}` });
    const job = em.create(Job, { client: local, title: 'Gutters', status: 'scheduled' });
    const owned = em.create(Client, { name: `Owned ${mark}`, jobberId: `jobber-${randomUUID()}` });
    await em.flush();
    const hasJobs = await api.call(`/api/clients/${local.id}`, { token: admin, method: 'DELETE' });
    expectError(hasJobs, 409, 'client_has_jobs');
    expect(hasJobs.body.error.details).to.deep.equal({ jobCount: 1 });
    const cascade = await api.call(`/api/clients/${local.id}?cascade=true`, { token: admin, method: 'DELETE' });
    expect(cascade.status, cascade.text).to.equal(204);
    const jobRow = await getHarness().orm.em.fork().findOneOrFail(Job, { id: job.id });
    expect(jobRow.deletedAt).to.be.instanceOf(Date);
    const vendorOwned = await api.call(`/api/clients/${owned.id}`, { token: admin, method: 'DELETE' });
    expectError(vendorOwned, 409, 'vendor_owned_record');
    expect(vendorOwned.body.error.details).to.deep.equal({ vendors: ['jobber'] });
  });

  it('walks every row exactly once under each sort, and filters by text, tag and dates', async () => {
    const names = ['Alpha', 'bravo', 'Charlie', 'delta', 'Echo', 'Foxtrot', 'golf'].map((name) => `${name} ${mark}`);
    const ids: string[] = [];
    for (const [position, name] of names.entries()) {
      const reply = await create({ name, email: `${position}@${mark}.test`, tags: position % 2 ? ['odd'] : ['even'] });
      ids.push(reply.body.id as string);
    }
    for (const sort of ['name', '-name', 'createdAt', '-createdAt', 'updatedAt', '-updatedAt']) {
      const walked = (await walk(`q=${mark}&sort=${sort}`))
        .map((row) => row.id as string)
        .filter((id) => ids.includes(id));
      expect(walked, sort).to.have.length(ids.length);
      expect(new Set(walked).size, sort).to.equal(ids.length);
    }
    const byName = (await walk(`q=${mark}&sort=name`))
      .map((row) => row.name as string)
      .filter((name) => names.includes(name));
    expect(byName).to.deep.equal([...byName].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const odd = await walk(`q=${mark}&tag=odd`);
    expect(odd.map((row) => row.name)).to.have.members([names[1], names[3], names[5]]);
    // Text search covers the email too, case-insensitively; LIKE wildcards match only themselves.
    expect((await walk(`q=3@${mark.toUpperCase()}`)).map((row) => row.name)).to.deep.equal([names[3]]);
    expect(await walk(`q=${mark}%25`)).to.deep.equal([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await walk(`q=${mark}&createdFrom=${encodeURIComponent(future)}`)).to.deep.equal([]);
    const cursorForOtherSort = (await api.call(`/api/clients?q=${mark}&limit=1&sort=name`, { token: viewer })).body.page
      .nextCursor as string;
    expectError(
      await api.call(`/api/clients?sort=-name&cursor=${cursorForOtherSort}`, { token: viewer }),
      400,
      'validation_failed',
    );
  });

  it("lists a client's jobs, and its invoices for admins only", async () => {
    const em = getHarness().orm.em.fork();
    const client = em.create(Client, { name: `Lists ${mark}` });
    em.create(Job, { client, title: 'One', status: 'scheduled' });
    em.create(Job, { client, title: 'Two', status: 'active' });
    em.create(Job, { client, title: 'Gone', status: 'active', deletedAt: new Date() });
    em.create(Invoice, { client, vendor: 'jobber', externalId: `inv-${randomUUID()}`, status: 'paid', total: '10.50' });
    await em.flush();
    const jobs = await api.call(`/api/clients/${client.id}/jobs?sort=title`, { token: viewer });
    expect(jobs.status, jobs.text).to.equal(200);
    expect((jobs.body.data as Json[]).map((job) => job.title)).to.deep.equal(['One', 'Two']);
    const active = await api.call(`/api/clients/${client.id}/jobs?status=active`, { token: viewer });
    expect((active.body.data as Json[]).map((job) => job.title)).to.deep.equal(['Two']);
    const invoices = await api.call(`/api/clients/${client.id}/invoices`, { token: admin });
    expect(invoices.status, invoices.text).to.equal(200);
    expect(invoices.body.data).to.have.length(1);
    expect(invoices.body.data[0]).to.include({ total: '10.50', status: 'paid', clientId: client.id });
    expect(invoices.body.page).to.deep.equal({ limit: 25, nextCursor: null });
    expectError(await api.call(`/api/clients/${client.id}/invoices`, { token: user }), 403, 'forbidden');
    expectError(await api.call(`/api/clients/${randomUUID()}/jobs`, { token: viewer }), 404, 'client_not_found');
  });
});
