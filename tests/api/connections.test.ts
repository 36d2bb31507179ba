import { ScheduleNotFoundError } from '@temporalio/client';
import { expect } from 'chai';
import type { ConnectionSecrets } from '../../activities/vendor-clients.js';
import { loadOAuthApps, OAUTH_VENDORS, type OAuthApp, type OAuthApps } from '../../config/oauth-apps.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { User, VendorConnection } from '../../db/entities/index.js';
import { createJobberOAuth } from '../../integrations/jobber/oauth.js';
import { createQuickbooksOAuth } from '../../integrations/quickbooks/oauth.js';
import { SANDBOX_VENDORS } from '../../sandbox/core/sandbox.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { ALL_SIMULATORS } from '../../sandbox/vendors/index.js';
import { connectSandboxVendors } from '../../scripts/sandbox-connections.js';
import { workflowIds } from '../../temporal/workflow-ids.js';
import { createTestUser, expectError, login, startTestApi, type Reply, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

type Info = Record<string, string> & { oauth?: Record<string, string> };

const REDIRECT_BASE = 'http://localhost:5173';
const redirectUriOf = (vendor: string) => `${REDIRECT_BASE}/api/connections/oauth/${vendor}/callback`;

/** The apps the API would load in sandbox mode, pointed at this test's sandbox (its ports are random). */
function appsFor(vendors: Record<string, Info>): OAuthApps {
  const { jobber, quickbooks, google, airtable } = vendors as Record<string, Info>;
  const app = (vendor: string, fields: Omit<OAuthApp, 'redirectUri' | 'sandbox'>): OAuthApp => ({
    ...fields,
    redirectUri: redirectUriOf(vendor),
    sandbox: true,
  });
  return {
    jobber: app('jobber', {
      clientId: jobber!.clientId!,
      clientSecret: jobber!.clientSecret!,
      authorizeUrl: jobber!.authorizeUrl!,
      tokenUrl: jobber!.tokenUrl!,
      endpoints: { graphqlUrl: jobber!.graphqlUrl! },
    }),
    quickbooks: app('quickbooks', {
      clientId: quickbooks!.clientId!,
      clientSecret: quickbooks!.clientSecret!,
      authorizeUrl: quickbooks!.authorizeUrl!,
      tokenUrl: quickbooks!.tokenUrl!,
      endpoints: { v3EndpointBaseUrl: quickbooks!.v3EndpointBaseUrl! },
    }),
    google: app('google', {
      clientId: google!.clientId!,
      clientSecret: google!.clientSecret!,
      authorizeUrl: `${google!.baseUrl}/o/oauth2/v2/auth`,
      tokenUrl: `${google!.baseUrl}/token`,
      tokenInfoUrl: `${google!.baseUrl}/tokeninfo`,
      endpoints: { rootUrl: `${google!.baseUrl}/` },
    }),
    airtable: app('airtable', {
      clientId: airtable!.oauth!.clientId!,
      clientSecret: airtable!.oauth!.clientSecret!,
      authorizeUrl: airtable!.oauth!.authorizeUrl!,
      tokenUrl: airtable!.oauth!.tokenUrl!,
      endpoints: { endpointUrl: airtable!.endpointUrl! },
    }),
  };
}

describe('/api/connections (real API, Temporal worker, PostgreSQL, Redis and vendor sandbox)', function () {
  this.timeout(120_000);
  let running: RunningSandbox;
  let vendors: Record<string, Info>;
  let api: TestApi;
  let worker: TestWorker | undefined;
  let admin: string;
  let user: string;
  const cipher = () => createCredentialsCipher(getHarness().config.credentialsKey);
  const rows = () => getHarness().orm.em.fork().count(VendorConnection, {});

  before(async () => {
    const harness = getHarness();
    await harness.truncateAll();
    running = await startSandbox({ factories: ALL_SIMULATORS, port: 0, scale: 'small' });
    vendors = ((await (await fetch(`${running.controlUrl}/_sandbox`)).json()) as { vendors: Record<string, Info> })
      .vendors;
    const taskQueue = harness.uniqueTaskQueue('oauth');
    worker = await startTestWorker(taskQueue);
    api = await startTestApi({
      config: { oauthApps: appsFor(vendors), temporal: { ...harness.config.temporal, taskQueue } },
    });
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    user = (await login(api, await createTestUser('user'))).accessToken;
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    await running?.close();
  });

  /** authorize → the sandbox's consent page (approves at once) → the redirect's query, as a browser would get it. */
  async function consent(
    vendor: string,
    body: Record<string, unknown> = {},
  ): Promise<{ state: string; query: string }> {
    const started = await api.call(`/api/connections/oauth/${vendor}/authorize`, { token: admin, json: body });
    expect(started.status, started.text).to.equal(200);
    expect(started.body.state).to.match(/^[A-Za-z0-9_-]{43}$/);
    const redirect = await fetch(started.body.authorizeUrl as string, { redirect: 'manual' });
    expect(redirect.status).to.be.oneOf([302, 303]);
    const location = new URL(redirect.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).to.equal(redirectUriOf(vendor));
    expect(location.searchParams.get('state')).to.equal(started.body.state);
    return { state: started.body.state as string, query: location.search };
  }

  const callback = (vendor: string, query: string, token = admin): Promise<Reply> =>
    api.call(`/api/connections/oauth/${vendor}/callback${query}`, { token });

  async function sealedSecretsOf(id: string): Promise<ConnectionSecrets> {
    const row = await getHarness().orm.em.fork().findOneOrFail(VendorConnection, { id });
    return cipher().decrypt(row.credentialsEncrypted!) as unknown as ConnectionSecrets;
  }

  it('connects Jobber through authorize, the vendor consent and the callback, storing the tokens sealed', async () => {
    const { query } = await consent('jobber');
    const reply = await callback('jobber', query);
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.body).to.include({
      vendor: 'jobber',
      externalAccountId: vendors.jobber!.accountId,
      status: 'connected',
    });
    const secrets = await sealedSecretsOf(reply.body.id as string);
    expect(secrets.oauth).to.deep.equal({
      clientId: vendors.jobber!.clientId,
      clientSecret: vendors.jobber!.clientSecret,
      tokenUrl: vendors.jobber!.tokenUrl,
    });
    expect(secrets.endpoints).to.deep.equal({ graphqlUrl: vendors.jobber!.graphqlUrl });
    expect(secrets.expiresAt).to.be.greaterThan(Date.now());
    // The sandbox knows the stored refresh token: it was issued by this very exchange.
    const oauth = createJobberOAuth({ ...secrets.oauth!, clientSecret: secrets.oauth!.clientSecret! });
    expect((await oauth.refreshCredentials(secrets.refreshToken!)).accessToken).to.be.a('string');
    expect(reply.text).not.to.include(secrets.accessToken);
  });

  it('keeps the code, our client secret and the tokens out of the workflow history', async () => {
    const { state, query } = await consent('jobber');
    const reply = await callback('jobber', query);
    expect(reply.status, reply.text).to.be.oneOf([200, 201]);
    const history = await getHarness().temporalClient.workflow.getHandle(`oauth:${state}`).fetchHistory();
    // The history as fetched, plus every payload (base64 there) decoded.
    const raw = JSON.stringify(history);
    const payloads = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((match) =>
      Buffer.from(match[1]!, 'base64').toString('utf8'),
    );
    const text = [raw, ...payloads].join('\n');
    const secrets = await sealedSecretsOf(reply.body.id as string);
    expect(text).to.include('"sealedExchange":"v1.'); // payloads were decoded, so the checks below mean something
    for (const secret of [
      new URLSearchParams(query).get('code')!,
      vendors.jobber!.clientSecret!,
      secrets.accessToken,
    ]) {
      expect(text).not.to.include(secret);
    }
  });

  it('answers 400 when the vendor refuses the code, without retrying and without writing', async () => {
    const count = await rows();
    const { state } = await consent('jobber');
    expectError(await callback('jobber', `?code=not-a-code&state=${state}`), 400, 'oauth_code_rejected');
    const history = await getHarness().temporalClient.workflow.getHandle(`oauth:${state}`).fetchHistory();
    const attempts = (history.events ?? []).flatMap((event) => event.activityTaskStartedEventAttributes?.attempt ?? []);
    expect(attempts).to.deep.equal([1]); // invalid_grant is final: no second attempt
    expect(await rows()).to.equal(count);
  });

  it('connects QuickBooks with the realmId of the redirect as the account', async () => {
    const { query } = await consent('quickbooks');
    expect(new URLSearchParams(query).get('realmId')).to.equal(vendors.quickbooks!.realmId);
    const reply = await callback('quickbooks', query);
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.body).to.include({ vendor: 'quickbooks', externalAccountId: vendors.quickbooks!.realmId });
    const secrets = await sealedSecretsOf(reply.body.id as string);
    expect(secrets.endpoints).to.deep.equal({ v3EndpointBaseUrl: vendors.quickbooks!.v3EndpointBaseUrl });
    const oauth = createQuickbooksOAuth({
      clientId: secrets.oauth!.clientId,
      clientSecret: secrets.oauth!.clientSecret!,
      tokenUrl: secrets.oauth!.tokenUrl!,
    });
    expect((await oauth.refreshCredentials(secrets.refreshToken!)).accessToken).to.be.a('string');
  });

  it('connects Airtable with PKCE for the base named at authorize time', async () => {
    expectError(
      await api.call('/api/connections/oauth/airtable/authorize', { token: admin, json: {} }),
      400,
      'validation_failed',
    );
    const { query } = await consent('airtable', { baseId: vendors.airtable!.baseId });
    const reply = await callback('airtable', query);
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.body).to.include({ vendor: 'airtable', externalAccountId: vendors.airtable!.baseId });
  });

  it('never shows credentials in the list or the detail', async () => {
    const list = await api.call('/api/connections', { token: admin });
    expect(list.status, list.text).to.equal(200);
    expect(list.body.data).to.have.length(3);
    for (const connection of list.body.data as Array<Record<string, unknown>>) {
      expect(connection).to.have.all.keys(
        'id',
        'vendor',
        'externalAccountId',
        'displayName',
        'status',
        'tokenExpiresAt',
        'lastSyncedAt',
        'syncIntervalMinutes',
        'lastError',
        'createdAt',
        'updatedAt',
      );
      const secrets = await sealedSecretsOf(connection.id as string);
      const detail = await api.call(`/api/connections/${String(connection.id)}`, { token: admin });
      for (const text of [list.text, detail.text]) {
        expect(text).not.to.include(secrets.accessToken);
        expect(text).not.to.include(secrets.refreshToken!);
        expect(text).not.to.include(secrets.oauth!.clientSecret!);
        expect(text).not.to.match(/credentials|"v1\./i);
      }
    }
  });

  it('refuses a reused, unknown or denied state with 400 and writes nothing', async () => {
    const { query } = await consent('google');
    const first = await callback('google', query);
    expect(first.status, first.text).to.equal(201);
    const before = await getHarness()
      .orm.em.fork()
      .findOneOrFail(VendorConnection, { id: first.body.id as string });
    const count = await rows();

    expectError(await callback('google', query), 400, 'oauth_state_invalid');
    expectError(await callback('google', `?code=abc&state=${'x'.repeat(43)}`), 400, 'oauth_state_invalid');
    const denied = await consent('jobber');
    expectError(await callback('jobber', `?error=access_denied&state=${denied.state}`), 400, 'oauth_access_denied');
    // The denial spent the state: the code of that flow cannot be used any more.
    expectError(await callback('jobber', denied.query), 400, 'oauth_state_invalid');
    // Jobber's own denial: back with no parameters at all.
    expectError(await callback('jobber', ''), 400, 'oauth_callback_incomplete');

    expect(await rows()).to.equal(count);
    const after = await getHarness()
      .orm.em.fork()
      .findOneOrFail(VendorConnection, { id: first.body.id as string });
    expect(after.credentialsEncrypted).to.equal(before.credentialsEncrypted);
    expect(after.updatedAt.getTime()).to.equal(before.updatedAt.getTime());
  });

  it('answers 403 to non-admins on every connections route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const attempts: Array<[string, RequestInit & { json?: unknown }]> = [
      ['/api/connections', {}],
      [`/api/connections/${id}`, {}],
      ['/api/connections', { json: { vendor: 'slack', externalAccountId: 'T1', accessToken: 'xoxb-1' } }],
      ['/api/connections/oauth/jobber/authorize', { json: {} }],
      [`/api/connections/${id}`, { method: 'PATCH', json: { displayName: 'x' } }],
      [`/api/connections/${id}`, { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) expectError(await api.call(path, { ...init, token: user }), 403, 'forbidden');
  });

  it('refuses to finish a flow whose admin lost the role in the meantime', async () => {
    const starter = await createTestUser('admin');
    const token = (await login(api, starter)).accessToken;
    const started = await api.call('/api/connections/oauth/jobber/authorize', { token, json: {} });
    const redirect = await fetch(started.body.authorizeUrl as string, { redirect: 'manual' });
    await getHarness().orm.em.fork().nativeUpdate(User, { id: starter.id }, { role: 'user' });
    const count = await rows();
    expectError(await callback('jobber', new URL(redirect.headers.get('location')!).search, token), 403, 'forbidden');
    expect(await rows()).to.equal(count);
  });

  it('creates, refuses a duplicate of, renames and deletes a personal-token connection', async () => {
    const pat = vendors.airtable!.personalAccessToken!;
    const body = { vendor: 'airtable', externalAccountId: 'appPersonal0000001', accessToken: pat, displayName: 'CRM' };
    const created = await api.call('/api/connections', { token: admin, json: body });
    expect(created.status, created.text).to.equal(201);
    expect(created.headers.get('location')).to.equal(`/api/connections/${String(created.body.id)}`);
    expect(created.text).not.to.include(pat);
    expect(await sealedSecretsOf(created.body.id as string)).to.deep.equal({ accessToken: pat });

    expectError(await api.call('/api/connections', { token: admin, json: body }), 409, 'connection_exists');

    const path = `/api/connections/${String(created.body.id)}`;
    const renamed = await api.call(path, { method: 'PATCH', token: admin, json: { displayName: 'Field CRM' } });
    expect(renamed.status, renamed.text).to.equal(200);
    expect(renamed.body.displayName).to.equal('Field CRM');

    // Its periodic sync follows the connection: created with it, re-timed by PATCH, removed with it.
    const schedule = getHarness().temporalClient.schedule.getHandle(
      workflowIds.syncSchedule(created.body.id as string, 'customers'),
    );
    expect((await schedule.describe()).spec.intervals?.[0]?.every).to.equal(15 * 60_000);
    const retimed = await api.call(path, { method: 'PATCH', token: admin, json: { syncIntervalMinutes: 60 } });
    expect(retimed.status, retimed.text).to.equal(200);
    expect(retimed.body).to.include({ syncIntervalMinutes: 60, displayName: 'Field CRM' });
    expect((await schedule.describe()).spec.intervals?.[0]?.every).to.equal(60 * 60_000);
    for (const json of [{}, { syncIntervalMinutes: 1 }, { syncIntervalMinutes: 'hourly' }]) {
      expectError(await api.call(path, { method: 'PATCH', token: admin, json }), 400, 'validation_failed');
    }

    expect((await api.call(path, { method: 'DELETE', token: admin })).status).to.equal(204);
    let gone: unknown;
    await schedule.describe().catch((error: unknown) => (gone = error));
    expect(gone).to.be.instanceOf(ScheduleNotFoundError);
    expectError(await api.call(path, { method: 'DELETE', token: admin }), 404, 'connection_not_found');
    expectError(await api.call(path, { token: admin }), 404, 'connection_not_found');
  });

  it('rejects invalid bodies with 400 and stores nothing', async () => {
    const count = await rows();
    const valid = { vendor: 'slack', externalAccountId: 'T0SANDBOX01', accessToken: vendors.slack!.botToken };
    for (const body of [
      { ...valid, extra: true },
      { ...valid, vendor: 'jobber' },
      { vendor: 'slack', externalAccountId: 'T0SANDBOX01' },
      { ...valid, accessToken: '' },
      { ...valid, endpoints: { endpointUrl: 'not a url' } },
      { ...valid, endpoints: { somewhere: 'http://127.0.0.1' } },
    ]) {
      expectError(await api.call('/api/connections', { token: admin, json: body }), 400, 'validation_failed');
    }
    expectError(
      await api.call('/api/connections/oauth/jobber/authorize', {
        token: admin,
        json: { baseId: 'appm7V2UdODmaGgJ9' },
      }),
      400,
      'validation_failed',
    );
    expectError(
      await api.call('/api/connections/oauth/slack/authorize', { token: admin, json: {} }),
      400,
      'validation_failed',
    );
    expect(await rows()).to.equal(count);
  });

  describe('sandbox mode', () => {
    it('defaults the OAuth apps to the sandbox apps on the ports npm start gives them', () => {
      const apps = loadOAuthApps({ SANDBOX_MODE: 'on', SANDBOX_PORT: '4010', PORT: '3000' });
      for (const vendor of OAUTH_VENDORS) {
        const app = apps[vendor]!;
        const info = vendor === 'airtable' ? { ...vendors.airtable!, ...vendors.airtable!.oauth } : vendors[vendor]!;
        expect(app.clientId, vendor).to.equal(info.clientId);
        expect(app.clientSecret, vendor).to.equal(info.clientSecret);
        expect(app.redirectUri).to.equal(`http://localhost:3000/api/connections/oauth/${vendor}/callback`);
        const port = String(4011 + SANDBOX_VENDORS.indexOf(vendor));
        const ours = [app.authorizeUrl!, app.tokenUrl!, ...Object.values(app.endpoints ?? {})].map(
          (url) => new URL(url),
        );
        expect(
          ours.every((url) => url.port === port),
          vendor,
        ).to.equal(true);
        const paths = ours.map((url) => url.pathname);
        const theirs = (url: string) => new URL(url, info.baseUrl).pathname;
        const expected: Record<string, string[]> = {
          jobber: [info.authorizeUrl!, info.tokenUrl!, info.graphqlUrl!],
          quickbooks: [info.authorizeUrl!, info.tokenUrl!, info.v3EndpointBaseUrl!],
          google: ['/o/oauth2/v2/auth', '/token', '/'],
          airtable: [info.authorizeUrl!, info.tokenUrl!, info.endpointUrl!],
        };
        expect(paths, vendor).to.deep.equal(expected[vendor]!.map(theirs));
      }
      expect(loadOAuthApps({ SANDBOX_MODE: 'off' })).to.deep.equal({});
    });

    it('connects every sandbox vendor once; a second run changes nothing, a restarted sandbox is re-seeded', async () => {
      const harness = getHarness();
      await harness.truncateAll();
      const key = harness.config.credentialsKey;
      const first = await connectSandboxVendors(harness.databaseUrl, key, running.controlUrl);
      expect(first.created).to.have.members([...SANDBOX_VENDORS]);
      const snapshot = async () =>
        (await harness.orm.em.fork().find(VendorConnection, {}, { orderBy: { vendor: 'asc' } })).map((row) => ({
          id: row.id,
          vendor: row.vendor,
          status: row.status,
          sealed: row.credentialsEncrypted,
          updatedAt: row.updatedAt.getTime(),
        }));
      const before = await snapshot();
      expect(before).to.have.length(7);
      for (const row of before) expect(row.status).to.equal('connected');

      const second = await connectSandboxVendors(harness.databaseUrl, key, running.controlUrl);
      expect(second).to.deep.equal({ connected: first.connected, created: [], reseeded: [] });
      expect(await snapshot()).to.deep.equal(before);

      // As if the sandbox had restarted since Slack was seeded: its row is re-seeded, its id and cursors kept.
      const em = harness.orm.em.fork();
      const slack = await em.findOneOrFail(VendorConnection, { vendor: 'slack' });
      slack.credentialsEncrypted = cipher().encrypt({ accessToken: 'xoxb-dead', sandboxGrant: 'older-sandbox' });
      slack.syncCursors = { channels: 'cursor-1' };
      await em.flush();
      const third = await connectSandboxVendors(harness.databaseUrl, key, running.controlUrl);
      expect(third.reseeded).to.deep.equal(['slack']);
      const reseeded = await harness.orm.em.fork().findOneOrFail(VendorConnection, { vendor: 'slack' });
      expect(reseeded.id).to.equal(slack.id);
      expect(reseeded.syncCursors).to.deep.equal({ channels: 'cursor-1' });
      expect(cipher().decrypt(reseeded.credentialsEncrypted!).accessToken).to.equal(vendors.slack!.botToken);
    });
  });
});
