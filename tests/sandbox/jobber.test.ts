import { createHmac, timingSafeEqual } from 'node:crypto';
import { expect } from 'chai';
import { ClientError, GraphQLClient } from 'graphql-request';
import { jobberSimulator, type JobberOptions } from '../../sandbox/vendors/jobber/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { World } from '../../sandbox/core/world.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Contract tests for the Jobber simulator, driven through graphql-request (the SDK our integration uses), pointed
 * at the sandbox only through the URL it is given.
 */

const VERSION = '2025-04-16';
const REDIRECT = 'http://127.0.0.1:9/callback';

interface Info {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  accountId: string;
  appId: string;
}

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

async function start(options: Partial<JobberOptions> = {}): Promise<{ running: RunningSandbox; info: Info }> {
  const running = await startSandbox({ factories: [jobberSimulator(options)], port: 0, scale: 'small' });
  const info = await jobberInfo(running);
  return { running, info };
}

async function jobberInfo(running: RunningSandbox): Promise<Info> {
  const reply = await fetch(`${running.controlUrl}/_sandbox`);
  const body = (await reply.json()) as { vendors: { jobber: Info } };
  return body.vendors.jobber;
}

async function control(running: RunningSandbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${running.controlUrl}/_sandbox/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function gql(info: Info, token = info.accessToken, headers: Record<string, string> = {}): GraphQLClient {
  return new GraphQLClient(`${info.baseUrl}/api/graphql`, {
    headers: { Authorization: `Bearer ${token}`, 'X-JOBBER-GRAPHQL-VERSION': VERSION, ...headers },
  });
}

async function tokenRequest(info: Info, fields: Record<string, string>): Promise<Response> {
  return fetch(`${info.baseUrl}/api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: info.clientId, client_secret: info.clientSecret, ...fields }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ClientError);
    return error as ClientError;
  }
  throw new Error('expected the request to fail');
}

const gid = (id: string) => Buffer.from(id, 'base64').toString('utf8');
const jobberCustomers = (world: World) =>
  world.customers.filter((customer) => !customer.deletedAt && !customer.variants.jobber?.missing);

describe('Jobber simulator', function () {
  this.timeout(30_000);
  let running: RunningSandbox;
  let info: Info;
  let receiver: WebhookReceiver;

  before(async () => {
    ({ running, info } = await start({ webhookRetryDelaysMs: [50, 50] }));
    receiver = await startWebhookReceiver();
  });

  after(async () => {
    await running?.close();
    await receiver?.close();
  });

  describe('OAuth', () => {
    it('redirects with code and state, exchanges the code for a JWT pair and rotates refresh tokens', async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: info.clientId,
        redirect_uri: REDIRECT,
        state: 'st-123',
      });
      const approved = await fetch(`${info.baseUrl}/api/oauth/authorize?${query}`, { redirect: 'manual' });
      expect(approved.status).to.equal(302);
      const location = new URL(approved.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).to.equal(REDIRECT);
      expect(location.searchParams.get('state')).to.equal('st-123');
      const code = location.searchParams.get('code')!;
      expect(code).to.match(/^[0-9a-f]{32}$/);

      const exchanged = await tokenRequest(info, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
      expect(exchanged.status).to.equal(200);
      const pair = (await exchanged.json()) as Record<string, string>;
      expect(Object.keys(pair).sort()).to.deep.equal(['access_token', 'refresh_token']);
      const [header, payload] = pair
        .access_token!.split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
      expect(header.alg).to.equal('HS256');
      expect(payload.exp - Date.now() / 1000).to.be.within(3590, 3601);

      const me = await gql(info, pair.access_token).request<{ account: { id: string } }>('{ account { id } }');
      expect(me.account.id).to.equal(info.accountId);

      const reused = await tokenRequest(info, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
      expect(reused.status).to.equal(401);

      const refreshed = await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: pair.refresh_token! });
      expect(refreshed.status).to.equal(200);
      const next = (await refreshed.json()) as Record<string, string>;
      expect(next.refresh_token).to.be.a('string').and.not.equal(pair.refresh_token);
      expect(next.access_token).to.not.equal(pair.access_token);
      expect(next).to.not.have.property('warning');

      const replay = await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: pair.refresh_token! });
      expect(replay.status).to.equal(401);
      expect(await replay.json()).to.include({ error: 'invalid_grant' });
      const still = await gql(info, next.access_token).request<{ account: { id: string } }>('{ account { id } }');
      expect(still.account.id).to.equal(info.accountId);
    });

    it('sends a denial back to the redirect URI with no parameters', async () => {
      const query = new URLSearchParams({ response_type: 'code', client_id: info.clientId, redirect_uri: REDIRECT });
      const denied = await fetch(`${info.baseUrl}/api/oauth/authorize?${query}&deny=1&state=x`, { redirect: 'manual' });
      expect(denied.status).to.equal(302);
      expect(denied.headers.get('location')).to.equal(REDIRECT);
    });

    it('rejects a wrong client secret with invalid_client', async () => {
      const reply = await tokenRequest(info, {
        client_secret: 'nope',
        grant_type: 'refresh_token',
        refresh_token: 'x',
      });
      expect(reply.status).to.equal(401);
      expect(await reply.json()).to.include({ error: 'invalid_client' });
    });

    it('answers 401 once access tokens expire, and a refresh brings access back', async () => {
      const grant = (await (
        await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: info.refreshToken })
      ).json()) as Record<string, string>;
      await gql(info, grant.access_token).request('{ account { id } }');

      expect((await control(running, 'faults', { vendor: 'jobber', auth: 'token_expiry_now' })).status).to.equal(201);
      const expired = await rejection(gql(info, grant.access_token).request('{ account { id } }'));
      expect(expired.response.status).to.equal(401);

      const renewed = (await (
        await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: grant.refresh_token! })
      ).json()) as Record<string, string>;
      const ok = await gql(info, renewed.access_token).request<{ account: { id: string } }>('{ account { id } }');
      expect(ok.account.id).to.equal(info.accountId);
      info = { ...info, accessToken: renewed.access_token!, refreshToken: renewed.refresh_token! };

      const garbage = await rejection(gql(info, 'not-a-jwt').request('{ account { id } }'));
      expect(garbage.response.status).to.equal(401);
    });
  });

  describe('request rules', () => {
    it('requires the version header and reports extensions.versioning', async () => {
      const missing = await rejection(
        new GraphQLClient(`${info.baseUrl}/api/graphql`, {
          headers: { Authorization: `Bearer ${info.accessToken}` },
        }).request('{ account { id } }'),
      );
      expect(missing.response.status).to.equal(400);

      const current = await gql(info).rawRequest('{ account { id } }');
      expect((current.extensions as { versioning: unknown }).versioning).to.deep.equal({ version: VERSION });
      const old = await gql(info, info.accessToken, { 'X-JOBBER-GRAPHQL-VERSION': '2023-11-15' }).rawRequest(
        '{ account { id } }',
      );
      const versioning = (old.extensions as { versioning: { version: string; warning: string } }).versioning;
      expect(versioning.version).to.equal('2023-11-15');
      expect(versioning.warning).to.match(/no longer supported/);
      const removed = await gql(info, info.accessToken, { 'X-JOBBER-GRAPHQL-VERSION': '2020-01-01' }).rawRequest(
        '{ account { id } }',
      );
      expect((removed.extensions as { versioning: unknown }).versioning).to.deep.equal({ version: '2024-09-16' });
    });

    it('rejects form-encoded bodies', async () => {
      const reply = await fetch(`${info.baseUrl}/api/graphql`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${info.accessToken}`,
          'x-jobber-graphql-version': VERSION,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'query=%7B%20account%20%7B%20id%20%7D%20%7D',
      });
      expect(reply.status).to.equal(415);
    });

    it('returns standard errors[] for unknown fields and wrong argument names', async () => {
      const unknown = await rejection(gql(info).request('{ clients { nodes { id shoeSize } } }'));
      expect(unknown.response.status).to.equal(200);
      expect(unknown.response.errors?.[0]?.message).to.match(/Cannot query field "shoeSize" on type "Client"/);
      const wrongArgument = await rejection(
        gql(info).request('mutation { quoteCreate(input: {clientId: "x"}) { quote { id } } }'),
      );
      expect(wrongArgument.response.errors?.map((error) => error.message).join(' ')).to.match(/attributes/);
    });

    it("renders injected 5xx faults in Jobber's shape", async () => {
      await control(running, 'faults', { vendor: 'jobber', endpoint: '/api/graphql', errorRate: 1, times: 1 });
      const failed = await rejection(gql(info).request('{ account { id } }'));
      expect(failed.response.status).to.equal(500);
      await gql(info).request('{ account { id } }');
    });
  });

  describe('reads', () => {
    it('pages through every client Jobber holds until hasNextPage is false', async () => {
      const world = running.sandbox.world;
      world.customers[3]!.variants.jobber = { missing: true };
      expect((await control(running, 'mutate', { entity: 'customer', action: 'delete', key: 7 })).status).to.equal(200);
      const expected = jobberCustomers(world);

      const ids: string[] = [];
      let after: string | null = null;
      let pages = 0;
      let totalCount: number | undefined;
      for (;;) {
        const page: {
          clients: {
            nodes: Array<{ id: string }>;
            edges: Array<{ cursor: string }>;
            pageInfo: PageInfo;
            totalCount: number;
          };
        } = await gql(info).request(
          `query Page($after: String) {
            clients(first: 25, after: $after) { nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount }
          }`,
          { after },
        );
        pages += 1;
        totalCount = page.clients.totalCount;
        ids.push(...page.clients.nodes.map((node) => node.id));
        expect(page.clients.pageInfo.endCursor).to.equal(page.clients.edges.at(-1)?.cursor ?? null);
        expect(page.clients.pageInfo.hasPreviousPage).to.equal(after !== null);
        if (!page.clients.pageInfo.hasNextPage) break;
        after = page.clients.pageInfo.endCursor;
      }
      expect(pages).to.equal(Math.ceil(expected.length / 25));
      expect(ids).to.have.length(expected.length);
      expect(totalCount).to.equal(expected.length);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.map(gid)).to.not.include(`gid://Jobber/Client/${80_000_000 + 3}`);
      expect(ids.map(gid).every((id) => /^gid:\/\/Jobber\/Client\/\d+$/.test(id))).to.equal(true);
    });

    it('caps connections at 100 nodes, with or without first', async () => {
      const world = running.sandbox.world;
      expect(world.jobs.length).to.be.greaterThan(100);
      const unbounded = await gql(info).request<{ jobs: { nodes: unknown[]; pageInfo: PageInfo } }>(
        '{ jobs { nodes { id } pageInfo { hasNextPage } } }',
      );
      expect(unbounded.jobs.nodes).to.have.length(100);
      expect(unbounded.jobs.pageInfo.hasNextPage).to.equal(true);
      const big = await gql(info).request<{ jobs: { nodes: unknown[] } }>('{ jobs(first: 500) { nodes { id } } }');
      expect(big.jobs.nodes).to.have.length(100);
    });

    it('filters by updatedAt and presents the Jobber variant of a client', async () => {
      const world = running.sandbox.world;
      const visible = jobberCustomers(world);
      const sorted = visible.map((customer) => customer.updatedAt).sort((a, b) => a - b);
      const threshold = new Date(sorted[Math.floor(sorted.length / 2)]!).toISOString().replace(/\.\d+Z$/, 'Z');
      const expected = visible.filter((customer) => customer.updatedAt > Date.parse(threshold));
      const filtered = await gql(info).request<{
        clients: { totalCount: number; nodes: Array<{ updatedAt: string }> };
      }>(
        `query Since($after: ISO8601DateTime) {
          clients(first: 100, filter: { updatedAt: { after: $after } }) { totalCount nodes { updatedAt } }
        }`,
        { after: threshold },
      );
      expect(filtered.clients.totalCount).to.equal(expected.length).and.be.lessThan(visible.length);
      for (const node of filtered.clients.nodes)
        expect(Date.parse(node.updatedAt)).to.be.at.least(Date.parse(threshold));

      const customer = visible[0]!;
      customer.variants.jobber = { email: 'jobber-copy@example.com', displayName: 'Jobber Display' };
      const id = Buffer.from(`gid://Jobber/Client/${80_000_000 + customer.key}`).toString('base64');
      const one = await gql(info).request<{
        client: { name: string; firstName: string; emails: Array<{ address: string; primary: boolean }> };
      }>('query One($id: EncodedId!) { client(id: $id) { name firstName emails { address primary } } }', { id });
      expect(one.client.name).to.equal('Jobber Display');
      expect(one.client.firstName).to.equal(customer.firstName);
      expect(one.client.emails).to.deep.equal([{ address: 'jobber-copy@example.com', primary: true }]);

      const missing = await gql(info).rawRequest<{ client: null }>(
        '{ client(id: "Z2lkOi8vSm9iYmVyL0NsaWVudC8x") { id } }',
      );
      expect(missing.data.client).to.equal(null);
      expect(missing.errors).to.equal(undefined);
    });

    it('shows jobs with upper-case statuses and money in dollars', async () => {
      const world = running.sandbox.world;
      const job = world.jobs.find((row) => row.startAt !== null && !world.customers[row.customerKey]!.deletedAt)!;
      const id = Buffer.from(`gid://Jobber/Job/${80_000_000 + job.key}`).toString('base64');
      const reply = await gql(info).request<{
        job: { jobNumber: number; jobStatus: string; total: number; startAt: string; client: { id: string } };
      }>('query J($id: EncodedId!) { job(id: $id) { jobNumber jobStatus total startAt client { id } } }', { id });
      expect(reply.job.jobNumber).to.equal(job.jobNumber);
      expect(reply.job.jobStatus).to.equal(job.status.toUpperCase());
      expect(reply.job.total).to.equal(job.total / 100);
      expect(Date.parse(reply.job.startAt)).to.equal(Math.floor(job.startAt! / 1000) * 1000);
      expect(gid(reply.job.client.id)).to.equal(`gid://Jobber/Client/${80_000_000 + job.customerKey}`);
    });

    it('filters quotes by clientId (QuoteFilterAttributes), alone and with createdAt', async () => {
      const world = running.sandbox.world;
      const visible = jobberCustomers(world);
      const owner = world.quotes.find(
        (quote) => !quote.deletedAt && visible.includes(world.customers[quote.customerKey]!),
      )!.customerKey;
      const clientId = Buffer.from(`gid://Jobber/Client/${80_000_000 + owner}`).toString('base64');
      const since = new Date(Date.now() - 1000).toISOString();
      const added = await gql(info).request<{ quoteCreate: { quote: { id: string } } }>(
        `mutation Add($attributes: QuoteCreateAttributes!) { quoteCreate(attributes: $attributes) { quote { id } } }`,
        { attributes: { clientId, title: 'Added', lineItems: [{ name: 'Visit', quantity: 1, unitPrice: 90 }] } },
      );
      const own = world.quotes.filter((quote) => quote.customerKey === owner && !quote.deletedAt);
      expect(own.length, 'the owner has a seeded quote and the added one').to.be.at.least(2);
      const query = `query Own($filter: QuoteFilterAttributes) {
        quotes(first: 100, filter: $filter) { nodes { id client { id } } }
      }`;
      type Reply = { quotes: { nodes: Array<{ id: string; client: { id: string } }> } };
      const mine = await gql(info).request<Reply>(query, { filter: { clientId } });
      expect(mine.quotes.nodes.map((node) => gid(node.id))).to.deep.equal(
        own.map((quote) => `gid://Jobber/Quote/${80_000_000 + quote.key}`),
      );
      expect(mine.quotes.nodes.every((node) => node.client.id === clientId)).to.equal(true);

      const recent = await gql(info).request<Reply>(query, { filter: { clientId, createdAt: { after: since } } });
      expect(recent.quotes.nodes.map((node) => node.id)).to.deep.equal([added.quoteCreate.quote.id]);

      const nobody = Buffer.from('gid://Jobber/Client/1').toString('base64');
      expect((await gql(info).request<Reply>(query, { filter: { clientId: nobody } })).quotes.nodes).to.deep.equal([]);
    });
  });

  describe('query cost', () => {
    it('reports requested and actual cost per the documented formula', async () => {
      const flat = await gql(info).rawRequest('{ clients(first: 10) { nodes { id firstName } } }');
      const cost = (flat.extensions as { cost: Cost }).cost;
      expect(cost.requestedQueryCost).to.equal(20);
      expect(cost.actualQueryCost).to.equal(20);
      expect(cost.throttleStatus.maximumAvailable).to.equal(10_000);
      expect(cost.throttleStatus.restoreRate).to.equal(500);
      expect(cost.throttleStatus.currentlyAvailable).to.be.within(9_000, 10_000);

      const nested = await gql(info).rawRequest(
        '{ clients(first: 10) { edges { cursor node { id jobs(first: 5) { nodes { id } } } } pageInfo { hasNextPage } } }',
      );
      // 10 × (cursor + id + 5 × id) + pageInfo + hasNextPage
      expect((nested.extensions as { cost: Cost }).cost.requestedQueryCost).to.equal(72);
      const unbounded = await gql(info).rawRequest('{ quotes { nodes { id title } } }');
      const quoteCost = (unbounded.extensions as { cost: Cost }).cost;
      expect(quoteCost.requestedQueryCost).to.equal(200);
      const quotes = (unbounded.data as { quotes: { nodes: unknown[] } }).quotes.nodes.length;
      expect(quoteCost.actualQueryCost).to.equal(2 * quotes);
    });
  });

  describe('writes and webhooks', () => {
    beforeEach(async () => {
      await control(running, 'settings', { webhookUrls: { jobber: receiver.url } });
      receiver.respondWith(200);
      receiver.received.length = 0;
    });

    afterEach(async () => {
      await running.sandbox.webhooks.drain();
      await control(running, 'settings', { webhookUrls: { jobber: null } });
    });

    function verified(raw: Buffer, signature: string | string[] | undefined): boolean {
      const expected = createHmac('sha256', info.clientSecret).update(raw).digest();
      const given = Buffer.from(String(signature), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    }

    it('clientCreate adds a world customer, and missing names come back as userErrors', async () => {
      const before = running.sandbox.world.customers.length;
      const created = await gql(info).request<{
        clientCreate: { client: { id: string; name: string; emails: Array<{ address: string }> }; userErrors: [] };
      }>(
        `mutation Create($input: ClientCreateInput!) {
          clientCreate(input: $input) { client { id name emails { address } } userErrors { message path } }
        }`,
        {
          input: {
            firstName: 'Ada',
            lastName: 'Lovelace',
            emails: [{ description: 'MAIN', primary: true, address: 'ada@example.com' }],
            phones: [{ number: '(512) 555-0199', primary: true }],
          },
        },
      );
      expect(created.clientCreate.userErrors).to.deep.equal([]);
      expect(created.clientCreate.client.name).to.equal('Ada Lovelace');
      const world = running.sandbox.world;
      expect(world.customers).to.have.length(before + 1);
      const record = world.customers.at(-1)!;
      expect(record).to.include({ firstName: 'Ada', email: 'ada@example.com', phone: '+15125550199' });
      expect(gid(created.clientCreate.client.id)).to.equal(`gid://Jobber/Client/${80_000_000 + record.key}`);

      const [hook] = await receiver.waitFor(1);
      const event = JSON.parse(hook!.rawBody.toString('utf8')).data.webHookEvent;
      expect(event).to.include({ topic: 'CLIENT_CREATE', itemId: created.clientCreate.client.id });
      expect(verified(hook!.rawBody, hook!.headers['x-jobber-hmac-sha256'])).to.equal(true);

      const invalid = await gql(info).request<{
        clientCreate: { client: null; userErrors: Array<{ message: string; path: string[] }> };
      }>('mutation { clientCreate(input: { companyName: "  " }) { client { id } userErrors { message path } } }');
      expect(invalid.clientCreate.client).to.equal(null);
      expect(invalid.clientCreate.userErrors[0]!.path).to.include('firstName');
      expect(running.sandbox.world.customers).to.have.length(before + 1);
    });

    it('quoteCreate adds a world quote with line items, and an unknown client is a userError', async () => {
      const world = running.sandbox.world;
      const owner = jobberCustomers(world)[1]!;
      const clientId = Buffer.from(`gid://Jobber/Client/${80_000_000 + owner.key}`).toString('base64');
      const created = await gql(info).request<{
        quoteCreate: {
          quote: { id: string; quoteStatus: string; amounts: { total: number }; client: { id: string } };
          userErrors: [];
        };
      }>(
        `mutation Quote($attributes: QuoteCreateAttributes!) {
          quoteCreate(attributes: $attributes) {
            quote { id quoteStatus amounts { total } client { id } }
            userErrors { message path }
          }
        }`,
        {
          attributes: {
            clientId,
            title: 'Gutter cleaning',
            lineItems: [{ name: 'Gutters', quantity: 2, unitPrice: 150.5, saveToProductsAndServices: false }],
            transitionQuoteTo: 'AWAITING_RESPONSE',
          },
        },
      );
      expect(created.quoteCreate.userErrors).to.deep.equal([]);
      expect(created.quoteCreate.quote).to.deep.include({ quoteStatus: 'AWAITING_RESPONSE', amounts: { total: 301 } });
      expect(created.quoteCreate.quote.client.id).to.equal(clientId);
      const quote = running.sandbox.world.quotes.at(-1)!;
      expect(quote).to.include({ customerKey: owner.key, total: 30_100, status: 'awaiting_response' });
      expect(quote.lineItems).to.deep.equal([{ name: 'Gutters', description: null, quantity: 2, unitPrice: 15_050 }]);
      const [hook] = await receiver.waitFor(1);
      expect(JSON.parse(hook!.rawBody.toString('utf8')).data.webHookEvent.topic).to.equal('QUOTE_CREATE');

      const count = running.sandbox.world.quotes.length;
      const unknown = await gql(info).request<{
        quoteCreate: { quote: null; userErrors: Array<{ message: string; path: string[] }> };
      }>(
        `mutation { quoteCreate(attributes: { clientId: "${Buffer.from('gid://Jobber/Client/1').toString('base64')}",
          lineItems: [{ name: "x", quantity: 1, unitPrice: 1 }] }) { quote { id } userErrors { message path } } }`,
      );
      expect(unknown.quoteCreate.quote).to.equal(null);
      expect(unknown.quoteCreate.userErrors).to.deep.equal([
        { message: 'Client not found', path: ['attributes', 'clientId'] },
      ]);
      expect(running.sandbox.world.quotes).to.have.length(count);
    });

    it('signs control-API changes and retries a failed delivery with the same bytes', async () => {
      receiver.respondWith((_request, index) => (index === 0 ? 500 : 200));
      const key = jobberCustomers(running.sandbox.world)[2]!.key;
      await control(running, 'mutate', { entity: 'customer', action: 'update', key, changes: { lastName: 'Q' } });
      const [first, second] = await receiver.waitFor(2);
      expect(first!.rawBody.equals(second!.rawBody)).to.equal(true);
      for (const hook of [first!, second!]) {
        expect(hook.headers['content-type']).to.equal('application/json');
        expect(verified(hook.rawBody, hook.headers['x-jobber-hmac-sha256'])).to.equal(true);
      }
      const event = JSON.parse(first!.rawBody.toString('utf8')).data.webHookEvent;
      expect(event).to.include({ topic: 'CLIENT_UPDATE', accountId: info.accountId, appId: info.appId });
      expect(gid(event.itemId)).to.equal(`gid://Jobber/Client/${80_000_000 + key}`);
      expect(Date.parse(event.occurredAt)).to.be.closeTo(Date.now(), 10_000);
      expect(
        verified(
          Buffer.from(first!.rawBody.toString('utf8').replace('UPDATE', 'CREATE')),
          first!.headers['x-jobber-hmac-sha256'],
        ),
      ).to.equal(false);

      const job = running.sandbox.world.jobs.find((row) =>
        jobberCustomers(running.sandbox.world).some((c) => c.key === row.customerKey),
      )!;
      await control(running, 'mutate', { entity: 'job', action: 'delete', key: job.key });
      const [, , destroyed] = await receiver.waitFor(3);
      expect(JSON.parse(destroyed!.rawBody.toString('utf8')).data.webHookEvent.topic).to.equal('JOB_DESTROY');
    });

    it('appDisconnect kills the tokens and sends APP_DISCONNECT', async () => {
      const disconnected = await gql(info).request<{ appDisconnect: { app: { name: string }; userErrors: [] } }>(
        'mutation { appDisconnect { app { name author } userErrors { message } } }',
      );
      expect(disconnected.appDisconnect.app.name).to.be.a('string');
      const [hook] = await receiver.waitFor(1);
      const event = JSON.parse(hook!.rawBody.toString('utf8')).data.webHookEvent;
      expect(event).to.include({ topic: 'APP_DISCONNECT', itemId: info.accountId });
      const after = await rejection(gql(info).request('{ account { id } }'));
      expect(after.response.status).to.equal(401);
      const refresh = await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: info.refreshToken });
      expect(refresh.status).to.equal(401);

      // A reset regenerates the world and hands out a fresh ready-made grant.
      await control(running, 'reset', {});
      info = await jobberInfo(running);
      await gql(info).request('{ account { id } }');
    });
  });
});

describe('Jobber simulator: throttling and rotation off', function () {
  this.timeout(30_000);
  let running: RunningSandbox;
  let info: Info;

  before(async () => {
    ({ running, info } = await start({
      costBucket: { maximumAvailable: 300, restoreRate: 1 },
      ddosGuard: { limit: 1_000, windowMs: 60_000 },
      rotateRefreshTokens: false,
    }));
  });

  after(async () => {
    await running?.close();
  });

  it('answers THROTTLED with extensions.cost when the bucket cannot pay, and stops when limits are off', async () => {
    const query = '{ clients(first: 100) { nodes { id firstName } } }';
    const first = await gql(info).rawRequest(query);
    const paid = (first.extensions as { cost: Cost }).cost;
    expect(paid.requestedQueryCost).to.equal(200);
    expect(paid.throttleStatus.currentlyAvailable).to.be.within(300 - paid.actualQueryCost, 302 - paid.actualQueryCost);

    const throttled = await rejection(gql(info).request(query));
    expect(throttled.response.status).to.equal(200);
    expect(throttled.response.errors?.[0]).to.deep.include({ message: 'Throttled' });
    expect(throttled.response.errors?.[0]?.extensions?.code).to.equal('THROTTLED');
    expect(throttled.response.data).to.equal(undefined);
    const cost = (throttled.response.extensions as { cost: Cost }).cost;
    expect(cost.actualQueryCost).to.equal(0);
    expect(cost.throttleStatus.currentlyAvailable).to.be.lessThan(200);

    const tooBig = await rejection(gql(info).request('{ clients { nodes { id firstName lastName companyName } } }'));
    expect(tooBig.response.errors?.[0]?.extensions?.code).to.equal('THROTTLED');

    await control(running, 'settings', { rateLimits: false });
    try {
      const free = await gql(info).rawRequest(query);
      expect((free.extensions as { cost: Cost }).cost.throttleStatus.currentlyAvailable).to.equal(300);
    } finally {
      await control(running, 'settings', { rateLimits: true });
    }
  });

  it('keeps the refresh token and adds a warning when rotation is off', async () => {
    const reply = await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: info.refreshToken });
    const body = (await reply.json()) as Record<string, string>;
    expect(body.refresh_token).to.equal(info.refreshToken);
    expect(body.warning).to.be.a('string');
    const again = await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: info.refreshToken });
    expect(again.status).to.equal(200);
  });
});

describe('Jobber simulator: DDoS guard', () => {
  let running: RunningSandbox;
  let info: Info;

  before(async () => {
    ({ running, info } = await start({ ddosGuard: { limit: 3, windowMs: 60_000 } }));
  });

  after(async () => {
    await running?.close();
  });

  it('answers HTTP 429 past the request limit, only while rate limits are on', async () => {
    for (let n = 0; n < 3; n += 1) await gql(info).request('{ account { id } }');
    const blocked = await rejection(gql(info).request('{ account { id } }'));
    expect(blocked.response.status).to.equal(429);
    await control(running, 'settings', { rateLimits: false });
    await gql(info).request('{ account { id } }');
  });
});
