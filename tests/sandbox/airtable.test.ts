import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Airtable from 'airtable';
import { expect } from 'chai';
import type { Customer } from '../../sandbox/core/world.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { airtableSimulator } from '../../sandbox/vendors/airtable/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Contract tests for the Airtable simulator, driven through the official airtable.js SDK pointed at the simulator
 * with its documented `endpointUrl` option. Webhook signatures are checked with an independent implementation
 * of Airtable's documented MAC (HMAC-SHA256 keyed with the base64-decoded macSecretBase64, hex, `hmac-sha256=`).
 */

/** Longer than the one-second window, so a 429 after the window has passed can only come from the penalty. */
const PENALTY_MS = 1500;

interface Info {
  endpointUrl: string;
  baseId: string;
  personalAccessToken: string;
  tables: { Clients: string; Jobs: string };
  oauth: { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string; scopes: string };
  webhook: { id: string; macSecretBase64: string };
}

interface SdkError {
  error: string;
  message: string;
  statusCode: number;
}

type AirtableBase = ReturnType<Airtable['base']>;

describe('sandbox: Airtable simulator (airtable.js SDK)', function () {
  let running: RunningSandbox;
  let info: Info;
  let receiver: WebhookReceiver;

  const control = async (path: string, body?: unknown) => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `control ${path}`).to.be.oneOf([200, 201]);
    return (await response.json()) as Record<string, unknown>;
  };

  const base = (apiKey = info.personalAccessToken, baseId = info.baseId): AirtableBase =>
    new Airtable({ apiKey, endpointUrl: info.endpointUrl, noRetryIfRateLimited: true, requestTimeout: 5000 }).base(
      baseId,
    );

  const rejection = async (promise: Promise<unknown>): Promise<SdkError> => {
    try {
      await promise;
    } catch (error) {
      return error as SdkError;
    }
    throw new Error('expected the SDK call to fail');
  };

  const world = () => running.sandbox.world;

  /** What Airtable should show for a customer, computed from the world independently of the simulator. */
  const expectedClient = (customer: Customer) => {
    const variant = customer.variants.airtable ?? {};
    return {
      name: variant.displayName ?? `${customer.firstName} ${customer.lastName}`.trim(),
      email: 'email' in variant ? variant.email : customer.email,
    };
  };
  const visibleCustomers = () => world().customers.filter((c) => !c.deletedAt && !c.variants.airtable?.missing);

  before(async function () {
    running = await startSandbox({
      factories: [airtableSimulator({ perBasePerSecond: 5, penaltyMs: PENALTY_MS, webhookRetryDelaysMs: [50, 50] })],
      port: 0,
      scale: 'small',
    });
    receiver = await startWebhookReceiver();
    const overview = await control('/');
    info = (overview.vendors as Record<string, Info>).airtable!;
  });

  after(async function () {
    await running?.close();
    await receiver?.close();
  });

  beforeEach(async function () {
    running.reset();
    await control('/settings', { rateLimits: false, webhookUrls: { airtable: null } });
    receiver.respondWith(200);
    receiver.received.length = 0;
  });

  describe('listing records', function () {
    it('select().all() returns every Airtable-visible customer, respecting variants', async function () {
      const records = await base()('Clients').select({ pageSize: 100 }).all();
      const expected = visibleCustomers();
      expect(expected.length).to.be.lessThan(world().customers.length, 'the small world has customers missing here');
      expect(records.map((r) => r.id)).to.have.lengthOf(expected.length);
      const byName = new Map(records.map((record) => [record.id, record]));
      expect(byName.size).to.equal(expected.length);

      for (const [index, customer] of expected.entries()) {
        const record = records[index]!;
        const want = expectedClient(customer);
        expect(record.get('Name')).to.equal(want.name);
        expect(record.get('Email')).to.equal(want.email ?? undefined);
        expect(record.get('Last Modified')).to.equal(new Date(customer.updatedAt).toISOString());
        expect(record._rawJson.createdTime).to.equal(new Date(customer.createdAt).toISOString());
        expect(record.id).to.match(/^rec[0-9A-Za-z]{14}$/);
      }
      // The world has Airtable copies with an upper-cased email and with no email at all: both must show.
      const upper = expected.find((c) => c.variants.airtable?.email && c.variants.airtable.email !== c.email);
      const blank = expected.find(
        (c) => c.variants.airtable && 'email' in c.variants.airtable && !c.variants.airtable.email,
      );
      expect(upper, 'world has an upper-cased Airtable email').to.not.equal(undefined);
      expect(blank, 'world has an Airtable copy without email').to.not.equal(undefined);
      const upperRecord = records[expected.indexOf(upper!)]!;
      expect(upperRecord.get('Email')).to.equal(upper!.email!.toUpperCase());
      const blankRecord = records[expected.indexOf(blank!)]!;
      expect(Object.keys(blankRecord.fields)).to.not.include('Email', 'empty fields are omitted');
    });

    it('pages with eachPage and an opaque offset, honouring pageSize and maxRecords', async function () {
      const expected = visibleCustomers().length;
      const pages: number[] = [];
      const seen = new Set<string>();
      await base()('Clients')
        .select({ pageSize: 7 })
        .eachPage((records, next) => {
          pages.push(records.length);
          for (const record of records) seen.add(record.id);
          next();
        });
      expect(pages.length).to.equal(Math.ceil(expected / 7));
      expect(pages.slice(0, -1).every((size) => size === 7)).to.equal(true);
      expect(seen.size).to.equal(expected);

      const capped: number[] = [];
      await base()('Clients')
        .select({ pageSize: 3, maxRecords: 10 })
        .eachPage((records, next) => {
          capped.push(records.length);
          next();
        });
      expect(capped).to.deep.equal([3, 3, 3, 1]);

      const raw = await fetch(`${info.endpointUrl}/v0/${info.baseId}/Clients?pageSize=2`, {
        headers: { authorization: `Bearer ${info.personalAccessToken}` },
      });
      const body = (await raw.json()) as { records: unknown[]; offset: string };
      expect(body.records).to.have.lengthOf(2);
      expect(body.offset).to.be.a('string');
      const bogus = await fetch(`${info.endpointUrl}/v0/${info.baseId}/Clients?offset=itrnope/recnope`, {
        headers: { authorization: `Bearer ${info.personalAccessToken}` },
      });
      expect(bogus.status).to.equal(422);
      expect(((await bogus.json()) as { error: { type: string } }).error.type).to.equal('INVALID_OFFSET_VALUE');
    });

    it('returns only the requested fields[], sorted by sort[0][field]/[direction]', async function () {
      const records = await base()('Clients')
        .select({ fields: ['Name', 'Email'], sort: [{ field: 'Name', direction: 'desc' }], pageSize: 10 })
        .all();
      const names = records.map((record) => record.get('Name') as string);
      expect(names).to.deep.equal([...names].sort((a, b) => b.localeCompare(a)));
      for (const record of records)
        expect(Object.keys(record.fields)).to.satisfy((keys: string[]) =>
          keys.every((k) => ['Name', 'Email'].includes(k)),
        );
      const sortedNames = visibleCustomers()
        .map((customer) => expectedClient(customer).name)
        .sort((a, b) => b.localeCompare(a));
      expect(names).to.deep.equal(sortedNames);
    });

    it('sends long queries as POST …/listRecords with the same result', async function () {
      const formula = `{Email} = '${expectedClient(visibleCustomers().find((c) => c.email && !c.variants.airtable)!).email}'`;
      const viaGet = await base()('Clients').select({ filterByFormula: formula }).all();
      const viaPost = await base()('Clients').select({ filterByFormula: formula, method: 'post' }).all();
      expect(viaGet).to.have.lengthOf(1);
      expect(viaPost.map((r) => r.id)).to.deep.equal(viaGet.map((r) => r.id));
      // Prove the SDK really used the listRecords endpoint: a fault on that path alone fails the POST variant.
      await control('/faults', { vendor: 'airtable', endpoint: 'listRecords', errorRate: 1, times: 1 });
      const error = await rejection(base()('Clients').select({ method: 'post' }).all());
      expect(error.statusCode).to.equal(500);
      expect(error.error).to.equal('SERVER_ERROR');
    });

    it('presents jobs with a linked client record and money in dollars', async function () {
      const records = await base()('Jobs').select().all();
      const jobs = world().jobs.filter((job) => !job.deletedAt);
      expect(records).to.have.lengthOf(jobs.length);
      const clients = await base()('Clients').select().all();
      const clientIds = new Set(clients.map((record) => record.id));
      for (const [index, job] of jobs.entries()) {
        const record = records[index]!;
        expect(record.get('Title')).to.equal(job.title);
        expect(record.get('Status')).to.equal(job.status);
        expect(record.get('Total')).to.equal(job.total / 100);
        const link = record.get('Client') as string[] | undefined;
        const owner = world().customers[job.customerKey]!;
        if (owner.variants.airtable?.missing) expect(link).to.equal(undefined);
        else expect(clientIds.has(link![0]!)).to.equal(true);
      }
    });
  });

  describe('filterByFormula', function () {
    it('finds only records modified after a control-API mutation (LAST_MODIFIED_TIME and {Last Modified})', async function () {
      const target = visibleCustomers()[3]!;
      const since = new Date(Date.now() - 1).toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await control('/mutate', {
        entity: 'customer',
        action: 'update',
        key: target.key,
        changes: { lastName: 'Changed' },
      });

      for (const formula of [
        `IS_AFTER(LAST_MODIFIED_TIME(), '${since}')`,
        `IS_AFTER({Last Modified}, '${since}')`,
        `AND(IS_AFTER({Last Modified}, '${since}'), {Last Name} = 'Changed')`,
        `OR({Last Name} = 'Changed', {Name} = 'nobody at all')`,
      ]) {
        const records = await base()('Clients').select({ filterByFormula: formula }).all();
        expect(
          records.map((r) => r.get('Last Name')),
          formula,
        ).to.deep.equal(['Changed']);
      }
      const none = await base()('Clients')
        .select({ filterByFormula: `IS_AFTER(LAST_MODIFIED_TIME(), '${new Date(Date.now() + 60_000).toISOString()}')` })
        .all();
      expect(none).to.have.lengthOf(0);
    });

    it('rejects formulas it cannot evaluate with 422 INVALID_FILTER_BY_FORMULA', async function () {
      for (const formula of ['REGEX_MATCH({Name}, "x")', '{Nope} = 1', 'AND(']) {
        const error = await rejection(base()('Clients').select({ filterByFormula: formula }).all());
        expect(error.statusCode, formula).to.equal(422);
        expect(error.error, formula).to.equal('INVALID_FILTER_BY_FORMULA');
      }
    });
  });

  describe('writes', function () {
    it('create, find, update, replace and destroy round-trip through the world', async function () {
      const table = base()('Clients');
      const before = world().customers.length;
      const created = await table.create({ Name: 'Ada Lovelace', Email: 'ada@example.com', Phone: '+15550001111' });
      expect(created.id).to.match(/^rec/);
      expect(world().customers).to.have.lengthOf(before + 1);
      const customer = world().customers[before]!;
      expect([customer.firstName, customer.lastName, customer.email]).to.deep.equal([
        'Ada',
        'Lovelace',
        'ada@example.com',
      ]);

      const found = await table.find(created.id);
      expect(found.get('Email')).to.equal('ada@example.com');

      const updated = await table.update(created.id, { Email: 'ada@analytical.example' });
      expect(updated.get('Phone')).to.equal('+15550001111', 'PATCH keeps other fields');
      expect(world().customers[before]!.email).to.equal('ada@analytical.example');

      const [replaced] = await table.replace([{ id: created.id, fields: { Name: 'Ada King' } }]);
      expect(replaced!.get('Phone')).to.equal(undefined, 'PUT clears fields not given');
      expect(world().customers[before]!.phone).to.equal(null);

      const batch = await table.create([{ fields: { Name: 'One Two' } }, { fields: { Name: 'Three Four' } }]);
      expect(batch).to.have.lengthOf(2);
      const destroyed = await table.destroy([batch[0]!.id, batch[1]!.id]);
      expect(destroyed.map((r) => r.id)).to.deep.equal(batch.map((r) => r.id));

      await table.destroy(created.id);
      const gone = await rejection(table.find(created.id));
      expect(gone.statusCode).to.equal(404);
      expect(gone.error).to.equal('NOT_FOUND');
      expect(world().customers[before]!.variants.airtable?.missing).to.equal(true);
      const all = await table.select().all();
      expect(all.map((r) => r.id)).to.not.include(created.id);
    });

    it('updates a world job through the Jobs table', async function () {
      const [first] = await base()('Jobs').select({ maxRecords: 1 }).firstPage();
      const job = world().jobs[0]!;
      await base()('Jobs').update([{ id: first!.id, fields: { Total: 123.45, Status: 'on_hold' } }]);
      expect(job.total).to.equal(12345);
      expect(job.status).to.equal('on_hold');
      const error = await rejection(base()('Jobs').update(first!.id, { Status: 'not-a-status' }));
      expect(error.statusCode).to.equal(422);
    });

    it('upserts on performUpsert.fieldsToMergeOn', async function () {
      const existing = visibleCustomers().find((c) => c.email && !c.variants.airtable)!;
      const count = world().customers.length;
      const response = await fetch(`${info.endpointUrl}/v0/${info.baseId}/Clients`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${info.personalAccessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          performUpsert: { fieldsToMergeOn: ['Email'] },
          records: [
            { fields: { Email: existing.email, Company: 'Upserted Co' } },
            { fields: { Email: 'fresh@example.com', Name: 'Fresh Person' } },
          ],
        }),
      });
      expect(response.status).to.equal(200);
      const body = (await response.json()) as {
        records: Array<{ id: string }>;
        createdRecords: string[];
        updatedRecords: string[];
      };
      expect(body.updatedRecords).to.deep.equal([body.records[0]!.id]);
      expect(body.createdRecords).to.deep.equal([body.records[1]!.id]);
      expect(existing.companyName).to.equal('Upserted Co');
      expect(world().customers).to.have.lengthOf(count + 1);
    });

    it('deletes Jobs rows only in Airtable, and a reset brings them back', async function () {
      const [first] = await base()('Jobs').select({ maxRecords: 1 }).firstPage();
      await base()('Jobs').destroy(first!.id);
      expect(world().jobs[0]!.deletedAt).to.equal(null, 'Jobber still has the job');
      expect((await rejection(base()('Jobs').find(first!.id))).statusCode).to.equal(404);
      running.reset();
      expect((await base()('Jobs').find(first!.id)).id).to.equal(first!.id);
    });

    it('describes the base schema and returns fields by id on request', async function () {
      const response = await fetch(`${info.endpointUrl}/v0/meta/bases/${info.baseId}/tables`, {
        headers: { authorization: `Bearer ${info.personalAccessToken}` },
      });
      const schema = (await response.json()) as {
        tables: Array<{
          id: string;
          name: string;
          primaryFieldId: string;
          fields: Array<{ id: string; name: string }>;
        }>;
      };
      expect(schema.tables.map((table) => [table.id, table.name])).to.deep.equal([
        [info.tables.Clients, 'Clients'],
        [info.tables.Jobs, 'Jobs'],
      ]);
      const clients = schema.tables[0]!;
      const nameField = clients.fields.find((f) => f.name === 'Name')!;
      expect(clients.primaryFieldId).to.equal(nameField.id);
      const [record] = await base()(info.tables.Clients)
        .select({ maxRecords: 1, returnFieldsByFieldId: true })
        .firstPage();
      expect(record!.fields[nameField.id]).to.equal(expectedClient(visibleCustomers()[0]!).name);
    });

    it('answers 422 for pageSize 101, an unknown field and more than 10 records', async function () {
      const page = await rejection(base()('Clients').select({ pageSize: 101 }).firstPage());
      expect(page.statusCode).to.equal(422);
      expect(page.error).to.equal('INVALID_REQUEST_UNKNOWN');

      const field = await rejection(base()('Clients').create({ Nickname: 'x' }));
      expect(field.statusCode).to.equal(422);
      expect(field.error).to.equal('UNKNOWN_FIELD_NAME');

      const count = world().customers.length;
      const many = Array.from({ length: 11 }, (_, n) => ({ fields: { Name: `Bulk ${n}` } }));
      const tooMany = await rejection(base()('Clients').create(many));
      expect(tooMany.statusCode).to.equal(422);
      expect(tooMany.error).to.equal('INVALID_RECORDS');
      expect(world().customers).to.have.lengthOf(count, 'nothing was created');

      const fields = await rejection(
        base()('Clients')
          .select({ fields: ['Nope'] })
          .firstPage(),
      );
      expect(fields.error).to.equal('UNKNOWN_FIELD_NAME');
      const computed = await rejection(base()('Clients').create({ 'Last Modified': '2020-01-01T00:00:00.000Z' }));
      expect(computed.error).to.equal('INVALID_VALUE_FOR_COLUMN');
    });
  });

  describe('auth and errors', function () {
    it('answers 401 AUTHENTICATION_REQUIRED for a bad key', async function () {
      const error = await rejection(base('patNotARealToken.0000').table('Clients').select().firstPage());
      expect(error.statusCode).to.equal(401);
      expect(error.error).to.equal('AUTHENTICATION_REQUIRED');
      const raw = await fetch(`${info.endpointUrl}/v0/${info.baseId}/Clients`);
      expect(raw.status).to.equal(401);
      expect(await raw.json()).to.deep.equal({
        error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' },
      });
    });

    it('answers 404 for an unknown table or record and 403 for an unknown base', async function () {
      const table = await rejection(base()('Invoices').select().firstPage());
      expect([table.statusCode, table.error]).to.deep.equal([404, 'NOT_FOUND']);
      const record = await rejection(base()('Clients').find('recAAAAAAAAAAAAAA'));
      expect(record.statusCode).to.equal(404);
      const baseError = await rejection(
        base(info.personalAccessToken, 'appUnknown0000000')('Clients').select().firstPage(),
      );
      expect([baseError.statusCode, baseError.error]).to.deep.equal([403, 'NOT_AUTHORIZED']);
    });

    it('hides records deleted in the world', async function () {
      const target = visibleCustomers()[0]!;
      const [first] = await base()('Clients').select({ maxRecords: 1 }).firstPage();
      await control('/mutate', { entity: 'customer', action: 'delete', key: target.key });
      expect((await rejection(base()('Clients').find(first!.id))).statusCode).to.equal(404);
      const all = await base()('Clients').select().all();
      expect(all).to.have.lengthOf(visibleCustomers().length);
    });
  });

  describe('rate limits', function () {
    it('answers 429 past 5 requests/s per base, then refuses everything during the penalty', async function () {
      await control('/settings', { rateLimits: true });
      const table = base()('Clients');
      for (let n = 0; n < 5; n += 1) await table.select({ maxRecords: 1 }).firstPage();
      const limited = await rejection(table.select({ maxRecords: 1 }).firstPage());
      expect([limited.statusCode, limited.error]).to.deep.equal([429, 'TOO_MANY_REQUESTS']);
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const penalised = await rejection(table.select({ maxRecords: 1 }).firstPage());
      expect(penalised.statusCode).to.equal(429, 'the window has passed but the penalty has not');
      await new Promise((resolve) => setTimeout(resolve, PENALTY_MS - (Date.now() - started) + 50));
      const records = await table.select({ maxRecords: 1 }).firstPage();
      expect(records).to.have.lengthOf(1);
    });

    it('enforces nothing when the sandbox turns rate limits off', async function () {
      const table = base()('Clients');
      for (let n = 0; n < 12; n += 1) await table.select({ maxRecords: 1 }).firstPage();
    });
  });

  describe('OAuth with PKCE', function () {
    const basic = () => `Basic ${Buffer.from(`${info.oauth.clientId}:${info.oauth.clientSecret}`).toString('base64')}`;
    const token = async (form: Record<string, string>, authorization = basic()) => {
      const response = await fetch(info.oauth.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        body: new URLSearchParams(form).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };

    const authorize = async (verifier: string) => {
      const url = new URL(info.oauth.authorizeUrl);
      const params = {
        client_id: info.oauth.clientId,
        redirect_uri: 'http://127.0.0.1/callback',
        response_type: 'code',
        scope: info.oauth.scopes,
        state: 'state-123',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).to.equal(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('state-123');
      return location.searchParams.get('code')!;
    };

    it('exchanges a code with its verifier, rotates refresh tokens and honours auth faults', async function () {
      const verifier = randomBytes(32).toString('base64url');
      const code = await authorize(verifier);
      const wrong = await token({
        grant_type: 'authorization_code',
        code: await authorize(verifier),
        code_verifier: 'not-the-verifier',
        redirect_uri: 'http://127.0.0.1/callback',
      });
      expect([wrong.status, wrong.body.error]).to.deep.equal([400, 'invalid_grant']);

      const unauthenticated = await token({ grant_type: 'authorization_code', code }, 'Basic bm9wZTpub3Bl');
      expect(unauthenticated.status).to.equal(401);

      const granted = await token({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1/callback',
      });
      expect(granted.status).to.equal(200);
      expect(granted.body).to.include.keys(
        'access_token',
        'refresh_token',
        'expires_in',
        'refresh_expires_in',
        'scope',
      );
      expect((await base(granted.body.access_token)('Clients').select({ maxRecords: 1 }).firstPage()).length).to.equal(
        1,
      );

      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token! });
      expect(refreshed.status).to.equal(200);
      expect(refreshed.body.refresh_token).to.not.equal(granted.body.refresh_token);
      const reused = await token({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token! });
      expect([reused.status, reused.body.error]).to.deep.equal([400, 'invalid_grant']);

      await control('/faults', { vendor: 'airtable', auth: 'token_expiry_now' });
      const expired = await rejection(base(refreshed.body.access_token)('Clients').select().firstPage());
      expect([expired.statusCode, expired.error]).to.deep.equal([401, 'AUTHENTICATION_REQUIRED']);
      const again = await token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token! });
      expect((await base(again.body.access_token)('Clients').select({ maxRecords: 1 }).firstPage()).length).to.equal(1);

      await control('/faults', { vendor: 'airtable', auth: 'refresh_token_revoked' });
      const revoked = await token({ grant_type: 'refresh_token', refresh_token: again.body.refresh_token! });
      expect([revoked.status, revoked.body.error]).to.deep.equal([400, 'invalid_grant']);
    });
  });

  describe('webhooks', function () {
    const verify = (secretBase64: string, body: Buffer, header: string | string[] | undefined) => {
      const expected = Buffer.from(
        `hmac-sha256=${createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(body).digest('hex')}`,
      );
      const given = Buffer.from(String(header ?? ''));
      return given.length === expected.length && timingSafeEqual(given, expected);
    };

    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${info.endpointUrl}/v0/bases/${info.baseId}/webhooks${path}`, {
        ...init,
        headers: { authorization: `Bearer ${info.personalAccessToken}`, 'content-type': 'application/json' },
      });
      expect(response.status, path).to.equal(200);
      return (await response.json()) as Record<string, unknown>;
    };

    it('pings the configured URL with a signed body and serves the change as a payload', async function () {
      await control('/settings', { webhookUrls: { airtable: `${receiver.url}/hooks/airtable` } });
      const target = visibleCustomers()[2]!;
      await control('/mutate', {
        entity: 'customer',
        action: 'update',
        key: target.key,
        changes: { email: 'new@example.com' },
      });
      const [ping] = await receiver.waitFor(1);
      expect(ping!.url).to.equal('/hooks/airtable');
      expect(verify(info.webhook.macSecretBase64, ping!.rawBody, ping!.headers['x-airtable-content-mac'])).to.equal(
        true,
      );
      expect(
        verify(randomBytes(32).toString('base64'), ping!.rawBody, ping!.headers['x-airtable-content-mac']),
      ).to.equal(false);
      const body = JSON.parse(ping!.rawBody.toString()) as { base: { id: string }; webhook: { id: string } };
      expect(body.base.id).to.equal(info.baseId);
      expect(body.webhook.id).to.equal(info.webhook.id);

      const listed = (await api(`/${info.webhook.id}/payloads?cursor=1`)) as {
        cursor: number;
        payloads: Array<{ changedTablesById: Record<string, { changedRecordsById: Record<string, unknown> }> }>;
      };
      expect(listed.cursor).to.equal(2);
      const [recordId] = Object.keys(listed.payloads[0]!.changedTablesById[info.tables.Clients]!.changedRecordsById);
      const record = await base()('Clients').find(recordId!);
      expect(record.get('Email')).to.equal('new@example.com');
      expect(
        ((await api(`/${info.webhook.id}/payloads?cursor=2`)) as { payloads: unknown[] }).payloads,
      ).to.have.lengthOf(0);
    });

    it('retries a failed ping and reports API writes and table-scoped webhooks', async function () {
      const created = (await api('', {
        method: 'POST',
        body: JSON.stringify({
          notificationUrl: `${receiver.url}/jobs-only`,
          specification: { options: { filters: { dataTypes: ['tableData'], recordChangeScope: info.tables.Jobs } } },
        }),
      })) as { id: string; macSecretBase64: string };
      receiver.respondWith((_request, index) => (index === 0 ? 500 : 200));

      await base()('Clients').create({ Name: 'Webhook Person' });
      await base()('Jobs').update(
        (await base()('Jobs').select({ maxRecords: 1 }).firstPage()).map((r) => ({
          id: r.id,
          fields: { Title: 'Renamed' },
        })),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Only the Jobs-scoped webhook has a URL here (the sandbox webhook's URL is unset): 500 first, then a retry.
      const pings = receiver.received;
      expect(pings).to.have.lengthOf(2);
      expect(pings[1]!.rawBody.equals(pings[0]!.rawBody)).to.equal(true);
      for (const ping of pings) {
        expect(verify(created.macSecretBase64, ping.rawBody, ping.headers['x-airtable-content-mac'])).to.equal(true);
      }
      const scoped = (await api(`/${created.id}/payloads`)) as {
        payloads: Array<{ actionMetadata: { source: string }; changedTablesById: Record<string, unknown> }>;
      };
      expect(scoped.payloads).to.have.lengthOf(1);
      expect(Object.keys(scoped.payloads[0]!.changedTablesById)).to.deep.equal([info.tables.Jobs]);
      expect(scoped.payloads[0]!.actionMetadata.source).to.equal('publicApi');
      const all = (await api(`/${info.webhook.id}/payloads`)) as { payloads: unknown[] };
      expect(all.payloads).to.have.lengthOf(2, 'the sandbox webhook records both changes');

      const hooks = (await api('')) as {
        webhooks: Array<{ id: string; lastNotificationResult: { success: boolean } | null }>;
      };
      expect(hooks.webhooks.find((hook) => hook.id === created.id)!.lastNotificationResult?.success).to.equal(true);
      running.reset();
      const afterReset = (await api('')) as { webhooks: Array<{ id: string }> };
      expect(afterReset.webhooks.map((hook) => hook.id)).to.deep.equal([info.webhook.id]);
    });
  });
});
