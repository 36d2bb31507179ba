import { expect } from 'chai';
import { isVendorError, type VendorError } from '../../integrations/core/errors.js';
import type { ResourceRecords } from '../../integrations/core/records.js';
import type { OAuthCredentials, TokenSource } from '../../integrations/core/tokens.js';
import {
  createJobberClient,
  vendorUserErrors,
  type JobberClient,
  type JobberQuoteCreateAttributes,
} from '../../integrations/jobber/client.js';
import { createJobberOAuth, type JobberOAuth } from '../../integrations/jobber/oauth.js';
import type { JobberResource } from '../../integrations/jobber/queries.js';
import type { Customer, Invoice, Job, Quote, World } from '../../sandbox/core/world.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { encodeId } from '../../sandbox/vendors/jobber/ids.js';
import { jobberSimulator, type JobberOptions } from '../../sandbox/vendors/jobber/index.js';

/*
 * The Jobber service client against the Jobber simulator over real HTTP: the client only knows the URLs and
 * credentials the sandbox publishes at GET /_sandbox.
 */

const REDIRECT = 'http://127.0.0.1:9/callback';

interface Info {
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  accountId: string;
  authorizeUrl: string;
  tokenUrl: string;
  graphqlUrl: string;
}

/** An in-memory TokenSource: refreshes through our OAuth helper and keeps the rotated refresh token. */
class MemoryTokens implements TokenSource {
  refreshes = 0;

  constructor(
    private readonly oauth: JobberOAuth,
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

async function start(options: Partial<JobberOptions> = {}): Promise<{ running: RunningSandbox; info: Info }> {
  const running = await startSandbox({ factories: [jobberSimulator(options)], port: 0, scale: 'small' });
  const reply = await fetch(`${running.controlUrl}/_sandbox`);
  const body = (await reply.json()) as { vendors: { jobber: Info } };
  return { running, info: body.vendors.jobber };
}

async function control(running: RunningSandbox, path: string, body: unknown): Promise<unknown> {
  const reply = await fetch(`${running.controlUrl}/_sandbox/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(reply.status, `${path} ${JSON.stringify(body)}`).to.be.oneOf([200, 201]);
  return reply.json();
}

function oauthFor(info: Info): JobberOAuth {
  return createJobberOAuth({
    clientId: info.clientId,
    clientSecret: info.clientSecret,
    authorizeUrl: info.authorizeUrl,
    tokenUrl: info.tokenUrl,
    graphqlUrl: info.graphqlUrl,
  });
}

async function failure(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (isVendorError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function listAll<K extends JobberResource>(client: JobberClient, resource: K, pageSize: number) {
  const items: ResourceRecords[K][] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.list(resource, { cursor, pageSize });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

async function changesAll<K extends JobberResource>(client: JobberClient, resource: K, checkpoint?: string) {
  const items: ResourceRecords[K][] = [];
  const deletedIds: string[] = [];
  let cursor: string | undefined;
  let next: string | null;
  do {
    const page = await client.changes(resource, { checkpoint, cursor, pageSize: 40 });
    items.push(...page.items);
    deletedIds.push(...page.deletedIds);
    if (page.nextCursor !== null) expect(page.checkpoint).to.equal(null);
    cursor = page.nextCursor ?? undefined;
    next = page.checkpoint;
  } while (cursor);
  return { items, deletedIds, checkpoint: next ?? undefined };
}

/* What Jobber holds, from the world (the simulator's visibility rules: visibility.ts). */
const clientVisible = (customer: Customer | undefined): customer is Customer =>
  customer !== undefined && !customer.deletedAt && !customer.variants.jobber?.missing;
const workVisible = (world: World, row: Job | Quote | Invoice) =>
  !row.deletedAt && clientVisible(world.customers[row.customerKey]);

function expectedIds(world: World, resource: JobberResource): string[] {
  if (resource === 'customers') return world.customers.filter(clientVisible).map((c) => encodeId('Client', c.key));
  const [type, rows] = {
    jobs: ['Job', world.jobs] as const,
    quotes: ['Quote', world.quotes] as const,
    invoices: ['Invoice', world.invoices] as const,
  }[resource];
  return (rows as ReadonlyArray<Job | Quote | Invoice>)
    .filter((row) => workVisible(world, row))
    .map((row) => encodeId(type, row.key));
}

const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
const dollars = (cents: number) => (Math.round(cents) / 100).toFixed(2);
const keyOf = (id: string) => Number(Buffer.from(id, 'base64').toString('utf8').split('/').pop()) - 80_000_000;

describe('Jobber client', function () {
  this.timeout(60_000);
  let running: RunningSandbox;
  let info: Info;
  let oauth: JobberOAuth;
  let tokens: MemoryTokens;
  let client: JobberClient;

  before(async () => {
    ({ running, info } = await start());
    // Listing every resource at full speed drains Jobber's cost bucket; the throttle has its own tests below.
    await control(running, 'settings', { rateLimits: false });
    oauth = oauthFor(info);
    tokens = new MemoryTokens(oauth, { accessToken: info.accessToken, refreshToken: info.refreshToken });
    client = createJobberClient({ tokens, graphqlUrl: info.graphqlUrl, pageSize: 25 });
  });

  afterEach(async () => {
    await fetch(`${running.controlUrl}/_sandbox/faults?vendor=jobber`, { method: 'DELETE' });
  });

  after(async () => {
    await running?.close();
  });

  describe('full listing', () => {
    for (const resource of ['customers', 'jobs', 'quotes', 'invoices'] as const) {
      it(`pages through exactly the ${resource} Jobber holds`, async () => {
        const { items, pages } = await listAll(client, resource, 10);
        const expected = expectedIds(running.sandbox.world, resource);
        expect(pages).to.be.greaterThan(1);
        expect(items.map((item) => item.externalId)).to.have.members(expected);
        expect(items).to.have.length(expected.length);
      });
    }

    it('maps customers, jobs, quotes and invoices into our records faithfully', async () => {
      const world = running.sandbox.world;
      const customers = (await listAll(client, 'customers', 100)).items;
      for (const customer of customers) {
        const row = world.customers[keyOf(customer.externalId)]!;
        const variant = row.variants.jobber ?? {};
        expect(customer.firstName).to.equal(row.firstName || null);
        expect(customer.lastName).to.equal(row.lastName || null);
        expect(customer.companyName).to.equal(row.companyName);
        expect(customer.email).to.equal(variant.email !== undefined ? variant.email : row.email);
        expect(customer.address?.city).to.equal(row.address.city);
        expect(customer.address?.postalCode).to.equal(row.address.postalCode);
        expect(customer.updatedAt).to.equal(seconds(row.updatedAt));
        expect(customer.active).to.equal(true);
      }
      const jobs = (await listAll(client, 'jobs', 100)).items;
      for (const job of jobs.slice(0, 50)) {
        const row = world.jobs[keyOf(job.externalId)]!;
        expect(job).to.deep.include({
          customerExternalId: encodeId('Client', row.customerKey),
          jobNumber: String(row.jobNumber),
          title: row.title,
          status: row.status,
          total: dollars(row.total),
          startAt: row.startAt === null ? null : seconds(row.startAt),
        });
        expect(job.total).to.match(/^-?\d+\.\d{2}$/);
      }
      const quotes = (await listAll(client, 'quotes', 100)).items;
      for (const quote of quotes.slice(0, 50)) {
        const row = world.quotes[keyOf(quote.externalId)]!;
        expect(quote).to.deep.include({
          quoteNumber: String(row.quoteNumber),
          status: row.status,
          total: dollars(row.total),
          customerExternalId: encodeId('Client', row.customerKey),
        });
      }
      const invoices = (await listAll(client, 'invoices', 100)).items;
      for (const invoice of invoices.slice(0, 50)) {
        const row = world.invoices[keyOf(invoice.externalId)]!;
        expect(invoice).to.deep.include({
          invoiceNumber: String(row.invoiceNumber),
          status: row.status,
          total: dollars(row.total),
          balance: dollars(row.balance),
          issuedAt: seconds(row.issuedAt),
          dueAt: seconds(row.dueAt),
        });
      }
    });

    it('gets one record by id, and null for an unknown or deleted one', async () => {
      const [first] = (await client.list('jobs', { pageSize: 1 })).items;
      expect(await client.get('jobs', first!.externalId)).to.deep.equal(first);
      expect(await client.get('customers', encodeId('Client', 9_999_999))).to.equal(null);
      const quote = running.sandbox.world.quotes.find((row) => workVisible(running.sandbox.world, row))!;
      await control(running, 'mutate', { entity: 'quote', action: 'delete', key: quote.key });
      expect(await client.get('quotes', encodeId('Quote', quote.key))).to.equal(null);
    });

    it('proves the credentials with a health check', async () => {
      expect(await client.healthCheck()).to.equal(true);
      expect(await createJobberClient({ tokens: 'not-a-jwt', graphqlUrl: info.graphqlUrl }).healthCheck()).to.equal(
        false,
      );
    });
  });

  describe('incremental sync', () => {
    it('returns exactly the created and updated records, then nothing from the new checkpoint', async () => {
      const resources = ['customers', 'jobs', 'quotes', 'invoices'] as const;
      const checkpoints: Partial<Record<JobberResource, string>> = {};
      for (const resource of resources) {
        const full = await changesAll(client, resource);
        expect(full.items).to.have.length(expectedIds(running.sandbox.world, resource).length);
        expect(full.checkpoint).to.be.a('string');
        checkpoints[resource] = full.checkpoint;
      }

      const world = running.sandbox.world;
      const customer = world.customers.find((row) => clientVisible(row) && !row.variants.jobber)!;
      const job = world.jobs.find((row) => workVisible(world, row))!;
      const quote = world.quotes.find((row) => workVisible(world, row))!;
      const invoice = world.invoices.find((row) => workVisible(world, row))!;
      const created = (await control(running, 'mutate', {
        entity: 'customer',
        action: 'create',
        changes: { firstName: 'Nadia', lastName: 'Okafor', companyName: null },
      })) as { change: { key: number } };
      await control(running, 'mutate', {
        entity: 'customer',
        action: 'update',
        key: customer.key,
        changes: { firstName: 'Renamed' },
      });
      await control(running, 'mutate', {
        entity: 'job',
        action: 'update',
        key: job.key,
        changes: { title: 'Re-roof' },
      });
      await control(running, 'mutate', { entity: 'quote', action: 'delete', key: quote.key });
      await control(running, 'mutate', {
        entity: 'invoice',
        action: 'update',
        key: invoice.key,
        changes: { status: 'paid', balance: 0 },
      });

      const customers = await changesAll(client, 'customers', checkpoints.customers);
      expect(customers.items.map((item) => item.externalId)).to.have.members([
        encodeId('Client', created.change.key),
        encodeId('Client', customer.key),
      ]);
      expect(customers.items.find((item) => item.firstName === 'Nadia')).to.include({ lastName: 'Okafor' });
      expect(customers.items.find((item) => item.externalId === encodeId('Client', customer.key))?.firstName).to.equal(
        'Renamed',
      );
      const jobs = await changesAll(client, 'jobs', checkpoints.jobs);
      expect(jobs.items.map((item) => [item.externalId, item.title])).to.deep.equal([
        [encodeId('Job', job.key), 'Re-roof'],
      ]);
      // Jobber has no deletion feed: the deleted quote is simply absent (reconciliation finds it).
      const quotes = await changesAll(client, 'quotes', checkpoints.quotes);
      expect(quotes.items).to.deep.equal([]);
      expect(quotes.deletedIds).to.deep.equal([]);
      const invoices = await changesAll(client, 'invoices', checkpoints.invoices);
      expect(invoices.items.map((item) => [item.externalId, item.status, item.balance])).to.deep.equal([
        [encodeId('Invoice', invoice.key), 'paid', '0.00'],
      ]);

      for (const [resource, pass] of [
        ['customers', customers],
        ['jobs', jobs],
        ['quotes', quotes],
        ['invoices', invoices],
      ] as const) {
        expect(pass.checkpoint, resource).to.be.a('string');
        const again = await changesAll(client, resource, pass.checkpoint);
        expect(again.items, `second ${resource} pass`).to.deep.equal([]);
        expect(again.checkpoint, resource).to.be.a('string');
      }
    });

    it('accepts a bare ISO time as a checkpoint and rejects an unreadable one with resync_required', async () => {
      const since = new Date(Date.now() - 60_000).toISOString();
      const pass = await changesAll(client, 'customers', since);
      expect(pass.items.every((item) => item.updatedAt > since.slice(0, 19))).to.equal(true);
      expect((await failure(client.changes('customers', { checkpoint: 'yesterday' }))).kind).to.equal(
        'resync_required',
      );
    });
  });

  describe('writes', () => {
    it('creates a client and a quote for it, returning our records', async () => {
      const customer = await client.createClient({
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: [{ address: 'ada@example.com', primary: true }],
        billingAddress: { street1: '1 Analytical Way', city: 'Austin', province: 'TX', postalCode: '73301' },
      });
      expect(customer).to.deep.include({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
      expect(await client.get('customers', customer.externalId)).to.deep.equal(customer);

      const quote = await client.createQuote({
        clientId: customer.externalId,
        title: 'Gutter cleaning',
        lineItems: [{ name: 'Gutters', quantity: 2, unitPrice: 74.5 }],
      });
      expect(quote).to.deep.include({
        customerExternalId: customer.externalId,
        title: 'Gutter cleaning',
        status: 'draft',
        total: '149.00',
      });
    });

    it('turns userErrors into validation errors', async () => {
      const noName = await failure(client.createClient({ emails: [{ address: 'x@example.com' }] }));
      expect(noName.kind).to.equal('validation');
      expect(noName.details.code).to.equal('USER_ERRORS');
      expect(noName.message).to.match(/first name/);
      const noItems = await failure(client.createQuote({ clientId: encodeId('Client', 1), lineItems: [] }));
      expect(noItems.kind).to.equal('validation');
    });

    it('finds a created quote again by client, title and line items, and nothing that differs', async () => {
      const customer = await client.createClient({ firstName: 'Grace', lastName: 'Hopper' });
      const other = await client.createClient({ firstName: 'Alan', lastName: 'Turing' });
      const notBefore = new Date();
      const attributes: JobberQuoteCreateAttributes = {
        clientId: customer.externalId,
        title: 'Roof repair',
        lineItems: [
          { name: 'Shingles', quantity: 12, unitPrice: 8.25 },
          { name: 'Labour', quantity: 3.5, unitPrice: 60 },
        ],
      };
      // A decoy for the same client, created first: same title, other items.
      await client.createQuote({ ...attributes, lineItems: [{ name: 'Gutters', quantity: 1, unitPrice: 99 }] });
      const created = await client.createQuote(attributes);
      expect(await client.findCreatedQuote({ ...attributes, notBefore })).to.deep.equal(created);

      const [shingles, labour] = attributes.lineItems;
      const lookAlikes: Array<Partial<JobberQuoteCreateAttributes>> = [
        { title: 'Roof repairs' },
        { lineItems: [{ ...shingles!, unitPrice: 8.26 }, labour!] },
        { lineItems: [shingles!, { ...labour!, quantity: 3 }] },
        { lineItems: [shingles!, { ...labour!, name: 'Labor' }] },
        { lineItems: [shingles!] },
        { lineItems: [shingles!, labour!, { name: 'Disposal', quantity: 1, unitPrice: 40 }] },
        { lineItems: [labour!, shingles!] },
        { clientId: other.externalId },
      ];
      for (const change of lookAlikes) {
        const found = await client.findCreatedQuote({ ...attributes, ...change, notBefore });
        expect(found, JSON.stringify(change)).to.equal(null);
      }
      const later = new Date(Date.now() + 60 * 60 * 1000);
      expect(await client.findCreatedQuote({ ...attributes, notBefore: later })).to.equal(null);
    });

    it("refuses a blank line-item name with Jobber's message and path, creating nothing", async () => {
      const world = running.sandbox.world;
      const clientId = encodeId('Client', world.customers.find(clientVisible)!.key);
      const quotesBefore = world.quotes.length;
      const notBefore = new Date();
      const attributes = { clientId, title: 'Fence', lineItems: [{ name: '  ', quantity: 1, unitPrice: 10 }] };
      const error = await failure(client.createQuote(attributes));
      expect(error.kind).to.equal('validation');
      expect(error.retryable).to.equal(false);
      expect(vendorUserErrors(error)).to.deep.equal([
        { message: "Name can't be blank", path: ['attributes', 'lineItems', '0', 'name'] },
      ]);
      expect(running.sandbox.world.quotes).to.have.length(quotesBefore);
      expect(await client.findCreatedQuote({ ...attributes, notBefore })).to.equal(null);
      // Only Jobber's refusals carry userErrors.
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', errorRate: 1, times: 1 });
      expect(vendorUserErrors(await failure(client.createQuote(attributes)))).to.deep.equal([]);
    });
  });

  describe('failures', () => {
    it('maps an injected 500 to transient', async () => {
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', errorRate: 1, times: 1 });
      const error = await failure(client.list('customers'));
      expect(error.kind).to.equal('transient');
      expect(error.details.status).to.equal(500);
      expect(error.retryable).to.equal(true);
    });

    it('maps a malformed body to transient', async () => {
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', malformedRate: 1, times: 1 });
      expect((await failure(client.list('jobs'))).kind).to.equal('transient');
    });

    it('maps an injected THROTTLED reply to rate_limited with a positive wait', async () => {
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', throttleRate: 1, times: 1 });
      const error = await failure(client.list('quotes'));
      expect(error.kind).to.equal('rate_limited');
      expect(error.details.code).to.equal('THROTTLED');
      expect(error.details.retryAfterMs).to.be.greaterThan(0);
    });

    it('maps a timeout to transient', async () => {
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', latencyMs: 2_000, times: 1 });
      const impatient = createJobberClient({ tokens, graphqlUrl: info.graphqlUrl, timeoutMs: 200 });
      expect((await failure(impatient.list('customers'))).kind).to.equal('transient');
    });
  });

  describe('OAuth and tokens', () => {
    it('authorizes, exchanges the code, and refreshes with rotation', async () => {
      const url = oauth.authorizeUrl({ redirectUri: REDIRECT, state: 'st-42' });
      const redirect = await fetch(url, { redirect: 'manual' });
      expect(redirect.status).to.equal(302);
      const location = new URL(redirect.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('st-42');

      const { credentials, account } = await oauth.exchangeCode({
        code: location.searchParams.get('code')!,
        redirectUri: REDIRECT,
      });
      expect(account.externalAccountId).to.equal(info.accountId);
      expect(account.displayName).to.be.a('string').and.not.equal('');
      expect(credentials.expiresAt! - Date.now()).to.be.within(3_500_000, 3_601_000);

      const refreshed = await oauth.refreshCredentials(credentials.refreshToken!);
      expect(refreshed.refreshToken).to.be.a('string').and.not.equal(credentials.refreshToken);
      expect(refreshed.accessToken).to.not.equal(credentials.accessToken);
      const replay = await failure(oauth.refreshCredentials(credentials.refreshToken!));
      expect(replay.kind).to.equal('auth_revoked');
      expect(replay.details.code).to.equal('invalid_grant');
    });

    it('refreshes once when the token expires mid-listing, and carries on', async () => {
      const first = await client.list('customers', { pageSize: 10 });
      const before = tokens.refreshes;
      const oldRefresh = tokens.credentials.refreshToken;
      await control(running, 'faults', { vendor: 'jobber', auth: 'token_expiry_now' });
      const second = await client.list('customers', { pageSize: 10, cursor: first.nextCursor! });
      expect(second.items).to.have.length(10);
      expect(second.items[0]!.externalId).to.not.equal(first.items[0]!.externalId);
      expect(tokens.refreshes - before).to.equal(1);
      expect(tokens.credentials.refreshToken).to.not.equal(oldRefresh);
    });

    it('reports a revoked refresh token as auth_revoked', async () => {
      await control(running, 'faults', { vendor: 'jobber', auth: 'refresh_token_revoked' });
      await control(running, 'faults', { vendor: 'jobber', auth: 'token_expiry_now' });
      const before = tokens.refreshes;
      const error = await failure(client.list('customers'));
      expect(error.kind).to.equal('auth_revoked');
      expect(error.retryable).to.equal(false);
      expect(tokens.refreshes - before).to.equal(1);
    });
  });
});

describe('Jobber client: rate limits', function () {
  this.timeout(60_000);

  it('maps a drained cost bucket to rate_limited after (requested − available) / restoreRate seconds', async () => {
    const { running, info } = await start({ costBucket: { maximumAvailable: 300, restoreRate: 2 } });
    try {
      const client = createJobberClient({ tokens: info.accessToken, graphqlUrl: info.graphqlUrl, pageSize: 10 });
      await client.list('customers');
      const error = await failure(client.list('customers'));
      expect(error.kind).to.equal('rate_limited');
      expect(error.details.code).to.equal('THROTTLED');
      // 10 clients × 19 fields + pageInfo: about 193 points wanted, about 107 left, 2 points/s.
      expect(error.details.retryAfterMs).to.be.within(30_000, 60_000);
    } finally {
      await running.close();
    }
  });

  it("maps Jobber's request-count 429 to rate_limited", async () => {
    const { running, info } = await start({ ddosGuard: { limit: 1, windowMs: 60_000 } });
    try {
      const client = createJobberClient({ tokens: info.accessToken, graphqlUrl: info.graphqlUrl });
      await client.account();
      const error = await failure(client.account());
      expect(error).to.include({ kind: 'rate_limited' });
      expect(error.details).to.include({ status: 429, retryAfterMs: 30_000 });
    } finally {
      await running.close();
    }
  });
});
