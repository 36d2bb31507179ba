import { expect } from 'chai';
import { isVendorError, type VendorError, type VendorErrorKind } from '../../integrations/core/errors.js';
import type { ExternalCustomer, ResourceRecords } from '../../integrations/core/records.js';
import type { OAuthCredentials, TokenSource } from '../../integrations/core/tokens.js';
import { createAirtableClient, type AirtableClientOptions } from '../../integrations/airtable/client.js';
import { createAirtableOAuth, type AirtableOAuth } from '../../integrations/airtable/oauth.js';
import type { Customer, Job } from '../../sandbox/core/world.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { recordId } from '../../sandbox/vendors/airtable/ids.js';
import { airtableSimulator } from '../../sandbox/vendors/airtable/index.js';

/*
 * The Airtable service client against the Airtable simulator over real HTTP (airtable.js pointed at it with its
 * documented endpointUrl). Expected records are computed from the sandbox's world, not from the simulator's code.
 */

interface Info {
  endpointUrl: string;
  baseId: string;
  baseName: string;
  personalAccessToken: string;
  oauth: {
    clientId: string;
    clientSecret: string;
    authorizeUrl: string;
    tokenUrl: string;
    scopes: string;
    accessToken: string;
    refreshToken: string;
  };
}

/** The activity layer's TokenSource in miniature: refreshes once per rejected token and keeps the rotated one. */
class MemoryTokens implements TokenSource {
  refreshes = 0;

  constructor(
    private readonly oauth: AirtableOAuth,
    public credentials: OAuthCredentials,
  ) {}

  async accessToken(): Promise<string> {
    return this.credentials.accessToken;
  }

  async refresh(rejected: string): Promise<string> {
    if (rejected !== this.credentials.accessToken) return this.credentials.accessToken;
    this.refreshes += 1;
    this.credentials = await this.oauth.refreshCredentials(this.credentials.refreshToken!);
    return this.credentials.accessToken;
  }
}

const OVERLAP_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('integrations: Airtable client', function () {
  let running: RunningSandbox;
  let info: Info;

  const control = async (path: string, body?: unknown) => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `control ${path}`).to.be.oneOf([200, 201]);
    return (await response.json()) as Record<string, unknown>;
  };
  const mutate = async (body: Record<string, unknown>) =>
    ((await control('/mutate', body)).change as { key: number }).key;

  const client = (overrides: Partial<AirtableClientOptions> = {}) =>
    createAirtableClient({
      baseId: info.baseId,
      endpointUrl: info.endpointUrl,
      tokens: info.personalAccessToken,
      requestTimeoutMs: 5000,
      changeOverlapMs: OVERLAP_MS,
      ...overrides,
    });
  const oauth = () =>
    createAirtableOAuth({
      clientId: info.oauth.clientId,
      clientSecret: info.oauth.clientSecret,
      authorizeUrl: info.oauth.authorizeUrl,
      tokenUrl: info.oauth.tokenUrl,
      baseId: info.baseId,
      baseName: info.baseName,
    });
  const oauthTokens = () =>
    new MemoryTokens(oauth(), { accessToken: info.oauth.accessToken, refreshToken: info.oauth.refreshToken });

  const failure = async (promise: Promise<unknown>, kind: VendorErrorKind): Promise<VendorError> => {
    try {
      await promise;
    } catch (error) {
      expect(isVendorError(error), String(error)).to.equal(true);
      expect((error as VendorError).kind, String(error)).to.equal(kind);
      return error as VendorError;
    }
    throw new Error(`expected a ${kind} VendorError`);
  };

  const world = () => running.sandbox.world;
  const visibleCustomers = () => world().customers.filter((c) => !c.deletedAt && !c.variants.airtable?.missing);
  const clientId = (customer: Customer) => recordId('Clients', customer.key);

  async function listAll<K extends 'customers' | 'jobs'>(resource: K, pageSize: number) {
    const airtable = client();
    const items: Array<ResourceRecords[K]> = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await airtable.list(resource, { pageSize, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).to.be.at.most(pageSize);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    return { items, pages };
  }

  async function changesAll(airtable: ReturnType<typeof client>, checkpoint: string | undefined, pageSize = 100) {
    const items: ExternalCustomer[] = [];
    const deletedIds: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await airtable.changes('customers', {
        pageSize,
        ...(checkpoint ? { checkpoint } : {}),
        ...(cursor ? { cursor } : {}),
      });
      items.push(...page.items);
      deletedIds.push(...page.deletedIds);
      pages += 1;
      if (!page.nextCursor) return { items, deletedIds, pages, checkpoint: page.checkpoint };
      expect(page.checkpoint, 'checkpoint only on the last page').to.equal(null);
      cursor = page.nextCursor;
    }
  }

  before(async function () {
    running = await startSandbox({
      factories: [airtableSimulator({ perBasePerSecond: 5, penaltyMs: 1500 })],
      port: 0,
      scale: 'small',
    });
  });

  after(async function () {
    await running?.close();
  });

  beforeEach(async function () {
    running.reset();
    await control('/settings', { rateLimits: false });
    info = ((await control('/')).vendors as Record<string, Info>).airtable!;
  });

  describe('reading', function () {
    it('lists every Airtable-visible customer across pages, with their fields', async function () {
      const { items, pages } = await listAll('customers', 7);
      const expected = visibleCustomers();
      expect(expected.length).to.be.lessThan(world().customers.length, 'some customers are missing from Airtable');
      expect(pages).to.equal(Math.ceil(expected.length / 7));
      expect(items.map((item) => item.externalId)).to.deep.equal(expected.map(clientId));

      for (const [index, customer] of expected.entries()) {
        const item = items[index]!;
        const variant = customer.variants.airtable ?? {};
        expect(item.firstName).to.equal(customer.firstName || null);
        expect(item.lastName).to.equal(customer.lastName || null);
        expect(item.displayName).to.equal(variant.displayName ?? `${customer.firstName} ${customer.lastName}`.trim());
        expect(item.email).to.equal(('email' in variant ? variant.email : customer.email) || null);
        expect(item.companyName).to.equal(customer.companyName || null);
        expect(item.address?.city ?? null).to.equal(customer.address.city || null);
        expect(item.address?.postalCode ?? null).to.equal(customer.address.postalCode || null);
        expect(item.updatedAt).to.equal(new Date(customer.updatedAt).toISOString());
        expect(item.active).to.equal(true);
      }
    });

    it('lists jobs with their client link and money as a two-decimal string', async function () {
      const { items, pages } = await listAll('jobs', 100);
      const jobs = world().jobs.filter((job: Job) => !job.deletedAt);
      expect(pages).to.be.greaterThan(1);
      expect(items.map((item) => item.externalId)).to.deep.equal(jobs.map((job) => recordId('Jobs', job.key)));
      for (const [index, job] of jobs.entries()) {
        const item = items[index]!;
        const owner = world().customers[job.customerKey]!;
        const linked = !owner.deletedAt && !owner.variants.airtable?.missing;
        expect(item.customerExternalId).to.equal(linked ? clientId(owner) : null);
        expect(item.total).to.equal((job.total / 100).toFixed(2));
        expect(item.total).to.match(/^-?\d+\.\d{2}$/);
        expect(item.status).to.equal(job.status);
        expect(item.title).to.equal(job.title);
        expect(item.jobNumber).to.equal(String(job.jobNumber));
        expect(item.startAt).to.equal(job.startAt === null ? null : new Date(job.startAt).toISOString());
      }
    });

    it('gets one record by id, and null for an unknown or deleted one', async function () {
      const airtable = client();
      const target = visibleCustomers()[2]!;
      const first = (await airtable.list('customers', { pageSize: 3 })).items[2]!;
      expect(await airtable.get('customers', clientId(target))).to.deep.equal(first);
      expect(await airtable.get('customers', 'recDoesNotExist00')).to.equal(null);
      await mutate({ entity: 'customer', action: 'delete', key: target.key });
      expect(await airtable.get('customers', clientId(target))).to.equal(null);
      expect(await airtable.healthCheck()).to.equal(true);
    });
  });

  describe('incremental changes', function () {
    it('reports exactly what changed since the checkpoint, then nothing', async function () {
      const airtable = client();
      // The generated world has rows stamped at generation time: let them fall out of the first pass's overlap.
      await sleep(OVERLAP_MS + 100);
      const first = await changesAll(airtable, undefined);
      expect(first.items).to.have.lengthOf(visibleCustomers().length);
      expect(first.checkpoint).to.be.a('string');

      const [updated, deleted] = [visibleCustomers()[4]!, visibleCustomers()[9]!];
      const created = [
        await mutate({ entity: 'customer', action: 'create', changes: { firstName: 'Ada', lastName: 'New' } }),
        await mutate({ entity: 'customer', action: 'create', changes: { firstName: 'Bob', lastName: 'New' } }),
      ];
      await mutate({ entity: 'customer', action: 'update', key: updated.key, changes: { lastName: 'Changed' } });
      await mutate({ entity: 'customer', action: 'delete', key: deleted.key });
      // Past the overlap, so the pass below starts after every change and the next pass has nothing to repeat.
      await sleep(OVERLAP_MS + 100);

      const second = await changesAll(airtable, first.checkpoint!, 2);
      expect(second.pages).to.equal(2);
      const ids = [...created.map((key) => recordId('Clients', key)), clientId(updated)];
      expect(second.items.map((item) => item.externalId)).to.have.members(ids);
      expect(second.items).to.have.lengthOf(3);
      expect(second.items.find((item) => item.externalId === clientId(updated))!.lastName).to.equal('Changed');
      expect(second.items.find((item) => item.firstName === 'Ada')!.displayName).to.equal('Ada New');
      expect(second.deletedIds, 'Airtable lists no deletions').to.deep.equal([]);
      expect(Date.parse(second.checkpoint!)).to.be.greaterThan(Date.parse(first.checkpoint!));

      const third = await changesAll(airtable, second.checkpoint!);
      expect(third.items).to.deep.equal([]);
      expect(third.checkpoint).to.be.a('string');
    });

    it('refuses a checkpoint that is not a time with resync_required', async function () {
      await failure(client().changes('customers', { checkpoint: 'yesterday-ish' }), 'resync_required');
    });
  });

  describe('tokens', function () {
    it('refreshes once when the access token expires mid-listing and keeps the rotated refresh token', async function () {
      const tokens = oauthTokens();
      const airtable = client({ tokens });
      const page = await airtable.list('customers', { pageSize: 10 });
      await control('/faults', { vendor: 'airtable', auth: 'token_expiry_now' });
      const next = await airtable.list('customers', { pageSize: 10, cursor: page.nextCursor! });
      expect(next.items.map((item) => item.externalId)).to.deep.equal(visibleCustomers().slice(10, 20).map(clientId));
      expect(tokens.refreshes).to.equal(1);
      expect(tokens.credentials.refreshToken).to.not.equal(info.oauth.refreshToken);
      expect(tokens.credentials.expiresAt).to.be.greaterThan(Date.now());
      await airtable.list('customers', { pageSize: 1 });
      expect(tokens.refreshes).to.equal(1);
    });

    it('turns a revoked refresh token into auth_revoked', async function () {
      const tokens = oauthTokens();
      await control('/faults', { vendor: 'airtable', auth: 'token_expiry_now' });
      await control('/faults', { vendor: 'airtable', auth: 'refresh_token_revoked' });
      const error = await failure(client({ tokens }).list('customers'), 'auth_revoked');
      expect(error.details.code).to.equal('invalid_grant');
      expect(error.retryable).to.equal(false);
      expect(tokens.refreshes).to.equal(1);
    });

    it('reports a refused personal access token as auth_expired and a failed health check', async function () {
      const error = await failure(client({ tokens: 'patNotARealToken' }).list('customers'), 'auth_expired');
      expect(error.details.status).to.equal(401);
      expect(await client({ tokens: 'patNotARealToken' }).healthCheck()).to.equal(false);
    });
  });

  describe('failures', function () {
    it('maps an injected 500 to transient', async function () {
      await control('/faults', { vendor: 'airtable', errorRate: 1, times: 1 });
      const error = await failure(client().list('customers'), 'transient');
      expect(error.details.status).to.equal(500);
      expect((await client().list('customers', { pageSize: 1 })).items).to.have.lengthOf(1);
    });

    it('maps a 429 to rate_limited with Airtable 30 s penalty, injected or from the real limiter', async function () {
      await control('/faults', { vendor: 'airtable', throttleRate: 1, times: 1 });
      const injected = await failure(client().list('customers'), 'rate_limited');
      expect(injected.details.retryAfterMs).to.equal(30_000);

      await control('/settings', { rateLimits: true });
      const airtable = client();
      for (let n = 0; n < 5; n += 1) await airtable.list('customers', { pageSize: 1 });
      const limited = await failure(airtable.list('customers', { pageSize: 1 }), 'rate_limited');
      expect(limited.details.retryAfterMs).to.be.greaterThan(0);
      expect(limited.retryable).to.equal(true);
    });

    it('maps a malformed body, a timeout and a closed port to transient', async function () {
      await control('/faults', { vendor: 'airtable', malformedRate: 1, times: 1 });
      await failure(client().list('customers'), 'transient');
      await control('/faults', { vendor: 'airtable', hang: true, times: 1 });
      await failure(client({ requestTimeoutMs: 200 }).list('customers'), 'transient');
      await failure(client({ endpointUrl: 'http://127.0.0.1:9' }).list('customers'), 'transient');
    });

    it('maps an unknown table to not_found and a bad cursor to validation', async function () {
      await failure(client({ tables: { customers: 'Nope' } }).list('customers'), 'not_found');
      const error = await failure(client().list('customers', { cursor: 'itrGarbage/rec1/2' }), 'validation');
      expect(error.details.status).to.equal(422);
    });
  });

  describe('OAuth', function () {
    it('authorizes with PKCE, exchanges the code and rotates refresh tokens', async function () {
      const flow = oauth();
      const redirectUri = 'http://127.0.0.1/callback';
      const { url, codeVerifier } = flow.authorizeUrl({ redirectUri, state: 'state-42', scopes: info.oauth.scopes });
      expect(new URL(url).searchParams.get('code_challenge_method')).to.equal('S256');
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).to.equal(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('state-42');

      const { credentials, account } = await flow.exchangeCode({
        code: location.searchParams.get('code')!,
        codeVerifier,
        redirectUri,
      });
      expect(account).to.deep.equal({ externalAccountId: info.baseId, displayName: info.baseName });
      expect(credentials.refreshToken).to.be.a('string');
      expect(credentials.expiresAt).to.be.greaterThan(Date.now());
      const listed = await client({ tokens: credentials.accessToken }).list('customers', { pageSize: 1 });
      expect(listed.items).to.have.lengthOf(1);

      const rotated = await flow.refreshCredentials(credentials.refreshToken!);
      expect(rotated.refreshToken).to.be.a('string').and.not.equal(credentials.refreshToken);
      await failure(flow.refreshCredentials(credentials.refreshToken!), 'auth_revoked');
    });

    it('refuses a code with the wrong verifier as auth_revoked and bad client credentials as validation', async function () {
      const flow = oauth();
      const redirectUri = 'http://127.0.0.1/callback';
      const { url } = flow.authorizeUrl({ redirectUri, state: 's', scopes: ['data.records:read'] });
      const code = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!).searchParams.get(
        'code',
      )!;
      await failure(flow.exchangeCode({ code, codeVerifier: 'x'.repeat(43), redirectUri }), 'auth_revoked');
      const wrongSecret = createAirtableOAuth({
        clientId: info.oauth.clientId,
        clientSecret: 'wrong',
        tokenUrl: info.oauth.tokenUrl,
        baseId: info.baseId,
      });
      const error = await failure(wrongSecret.refreshCredentials(info.oauth.refreshToken), 'validation');
      expect(error.details.status).to.equal(401);
    });
  });
});
