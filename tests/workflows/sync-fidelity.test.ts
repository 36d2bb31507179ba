import { expect } from 'chai';
import { defaultVendorClients, type ConnectionSecrets } from '../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import type { Vendor } from '../../db/entities/enums.js';
import { SyncLog, VendorConnection } from '../../db/entities/index.js';
import type { SyncResource } from '../../integrations/core/records.js';
import { staticTokenSource } from '../../integrations/core/tokens.js';
import type { Customer, World } from '../../sandbox/core/world.js';
import { createAirtableSimulator } from '../../sandbox/vendors/airtable/index.js';
import { keyOfRecordId } from '../../sandbox/vendors/airtable/ids.js';
import { createGoogleSimulator } from '../../sandbox/vendors/google/index.js';
import { decodeId } from '../../sandbox/vendors/jobber/ids.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { createQuickbooksSimulator } from '../../sandbox/vendors/quickbooks/index.js';
import { SYNC_CATALOG } from '../../temporal/sync-catalog.js';
import { getHarness } from '../support/harness.js';
import { startSyncFixture, type SyncFixture } from '../support/sync-fixture.js';
import { snapshotUnifiedTables, UNIFIED_TABLES } from '../support/sync-snapshot.js';

type Row = Record<string, unknown>;
const SYNCED_VENDORS = Object.keys(SYNC_CATALOG) as Array<keyof typeof SYNC_CATALOG>;
/** Customers first, so every other record finds the client it links to. */
const SYNC_ORDER: Array<[Vendor, SyncResource]> = [
  ...SYNCED_VENDORS.flatMap((vendor) =>
    SYNC_CATALOG[vendor].filter((r) => r === 'customers').map((r): [Vendor, SyncResource] => [vendor, r]),
  ),
  ...SYNCED_VENDORS.flatMap((vendor) =>
    SYNC_CATALOG[vendor].filter((r) => r !== 'customers').map((r): [Vendor, SyncResource] => [vendor, r]),
  ),
];
const TABLE_OF: Record<SyncResource, string> = {
  customers: 'clients',
  jobs: 'jobs',
  quotes: 'quotes',
  invoices: 'invoices',
  payments: 'payments',
  expenses: 'expenses',
  calendarEvents: 'calendar_events',
};
/** Field-level checks on a sample: our column, the vendor record's field, compared as numbers or as text. */
const SAMPLED_FIELDS: Partial<Record<SyncResource, Array<[string, string, 'number' | 'text']>>> = {
  jobs: [
    ['title', 'title', 'text'],
    ['estimated_revenue', 'total', 'number'],
  ],
  quotes: [['total', 'total', 'number']],
  invoices: [
    ['total', 'total', 'number'],
    ['number', 'invoiceNumber', 'text'],
  ],
  payments: [['amount', 'amount', 'number']],
  expenses: [['amount', 'amount', 'number']],
  calendarEvents: [['summary', 'summary', 'text']],
};

const normalizedEmail = (email: string | null | undefined) => (email ? email.trim().toLowerCase() : null);
const normalizedPhone = (phone: string | null | undefined) =>
  phone ? phone.replace(/[^0-9]/g, '').replace(/^1(\d{10})$/, '$1') || null : null;

/**
 * How many clients rows the seeded world should become: each customer's copies in Jobber, QuickBooks and Airtable
 * join into one row when they share an email or a phone, as the matcher is documented to do.
 */
function expectedClientRows(world: World): number {
  let rows = 0;
  for (const customer of world.customers) {
    if (customer.deletedAt) continue;
    const groups: Array<Set<string>> = [];
    for (const vendor of ['jobber', 'quickbooks', 'airtable'] as const) {
      const variant = customer.variants[vendor];
      if (variant?.missing) continue;
      const email = normalizedEmail(variant?.email !== undefined ? variant.email : customer.email);
      const phone = normalizedPhone(variant?.phone !== undefined ? variant.phone : customer.phone);
      const keys = [email && `e:${email}`, phone && `p:${phone}`].filter((key): key is string => Boolean(key));
      const group = groups.find((existing) => keys.some((key) => existing.has(key)));
      if (group) keys.forEach((key) => group.add(key));
      else groups.push(new Set(keys));
    }
    rows += groups.length;
  }
  return rows;
}

describe('syncs against the sandbox end to end: fidelity, merging, and equality under faults', function () {
  this.timeout(600_000);
  let fixture: SyncFixture;
  let reference: Record<string, unknown[]>;
  const sql = <T extends Row>(query: string, params: unknown[] = []) =>
    getHarness().orm.em.getConnection().execute<T[]>(query, params);

  /** Customers one vendor after another (merging depends on the order), then each vendor's other resources side by side. */
  async function syncEverything(): Promise<string[]> {
    const runIds: string[] = [];
    for (const [vendor] of SYNC_ORDER.filter(([, resource]) => resource === 'customers')) {
      runIds.push((await fixture.sync(vendor, 'customers', 'full')).runId);
    }
    await Promise.all(
      SYNCED_VENDORS.map(async (vendor) => {
        for (const resource of SYNC_CATALOG[vendor].filter((r) => r !== 'customers')) {
          runIds.push((await fixture.sync(vendor, resource, 'full')).runId);
        }
      }),
    );
    return runIds;
  }

  /** Everything the vendor shows, read page by page with our own client (no Temporal, no database). */
  async function vendorListing(vendor: Vendor, resource: SyncResource): Promise<Map<string, Row>> {
    const em = getHarness().orm.em.fork();
    const connection = await em.findOneOrFail(VendorConnection, { id: fixture.connections[vendor]!.id });
    const cipher = createCredentialsCipher(getHarness().config.credentialsKey);
    const secrets = cipher.decrypt(connection.credentialsEncrypted ?? '') as ConnectionSecrets;
    const client = defaultVendorClients(50).client(connection, secrets, staticTokenSource(secrets.accessToken));
    const records = new Map<string, Row>();
    let cursor: string | null = null;
    do {
      const options: { pageSize: number; cursor?: string } = { pageSize: 50, ...(cursor ? { cursor } : {}) };
      const page: { items: unknown[]; nextCursor: string | null; deletedIds?: string[] } =
        vendor === 'quickbooks' ? await client.list(resource, options) : await client.changes(resource, options);
      for (const item of page.items as Row[]) records.set(String(item.externalId), item);
      for (const id of page.deletedIds ?? []) records.delete(id);
      cursor = page.nextCursor;
    } while (cursor);
    return records;
  }

  async function storedRows(vendor: Vendor, resource: SyncResource): Promise<Map<string, Row>> {
    const rows =
      resource === 'customers'
        ? await sql(
            `select *, ${vendor}_id as external_id from clients where ${vendor}_id is not null and deleted_at is null`,
          )
        : await sql(`select * from "${TABLE_OF[resource]}" where vendor = ? and deleted_at is null`, [vendor]);
    return new Map(rows.map((row) => [String(row.external_id), row]));
  }

  async function clearSyncedData(): Promise<void> {
    await sql(`truncate ${UNIFIED_TABLES.map((table) => `"${table}"`).join(', ')} cascade`);
    await sql(`update vendor_connections set sync_cursors = '{}', status = 'connected'`);
  }

  before(async () => {
    fixture = await startSyncFixture({
      factories: [createJobberSimulator, createQuickbooksSimulator, createGoogleSimulator, createAirtableSimulator],
      vendors: SYNCED_VENDORS,
      pageSize: 10,
      timeoutMs: 2_000,
    });
  });

  after(async () => {
    await fixture?.close();
  });

  it('a full sync of every vendor and resource stores exactly what each vendor shows, field for field', async () => {
    await syncEverything();
    for (const [vendor, resource] of SYNC_ORDER) {
      const listed = await vendorListing(vendor, resource);
      const stored = await storedRows(vendor, resource);
      expect([...stored.keys()].sort(), `${vendor} ${resource}`).to.deep.equal([...listed.keys()].sort());
      expect(listed.size, `${vendor} ${resource} is not empty`).to.be.greaterThan(0);
      const sample = [...listed.values()].filter((_, index) => index % Math.ceil(listed.size / 8) === 0);
      for (const record of sample) {
        const row = stored.get(String(record.externalId))!;
        for (const [column, field, kind] of SAMPLED_FIELDS[resource] ?? []) {
          const where = `${vendor} ${resource} ${String(record.externalId)} ${column}`;
          if (kind === 'number') expect(Number(row[column]), where).to.equal(Number(record[field]));
          else expect(row[column] ?? null, where).to.equal(record[field] ?? null);
        }
        if (resource === 'customers' && vendor === 'jobber' && record.email) {
          expect(normalizedEmail(row.email as string)).to.equal(normalizedEmail(record.email as string));
        }
      }
    }
    // Independent of our clients: the counts the seeded world says each vendor shows.
    const world = fixture.running.sandbox.world;
    const shown = (vendor: 'jobber' | 'quickbooks' | 'airtable') =>
      world.customers.filter((c: Customer) => !c.deletedAt && !c.variants[vendor]?.missing).length;
    for (const vendor of ['jobber', 'quickbooks', 'airtable'] as const) {
      expect((await storedRows(vendor, 'customers')).size, `${vendor} customers`).to.equal(shown(vendor));
    }
    expect((await storedRows('jobber', 'jobs')).size).to.equal(world.jobs.filter((job) => !job.deletedAt).length);
    reference = await snapshotUnifiedTables(getHarness().orm.em.fork());
  });

  it('merges each seeded customer into one client across Jobber, QuickBooks and Airtable, and never two into one', async () => {
    const rows = await sql<{ jobber_id: string | null; quickbooks_id: string | null; airtable_id: string | null }>(
      `select jobber_id, quickbooks_id, airtable_id from clients where deleted_at is null`,
    );
    for (const row of rows) {
      const keys = new Set<number | null>();
      if (row.jobber_id) keys.add(decodeId('Client', row.jobber_id));
      if (row.quickbooks_id) keys.add(Number(row.quickbooks_id) - 1);
      if (row.airtable_id) keys.add(keyOfRecordId('Clients', row.airtable_id));
      expect([...keys], JSON.stringify(row)).to.have.length(1);
      expect([...keys][0], JSON.stringify(row)).to.be.a('number');
    }
    expect(rows.length).to.equal(expectedClientRows(fixture.running.sandbox.world));
    const merged = rows.filter((row) => [row.jobber_id, row.quickbooks_id, row.airtable_id].filter(Boolean).length > 1);
    expect(merged.length).to.be.greaterThan(rows.length / 2);
  });

  it('with 5xx, 429s, timeouts, expiring access tokens and rotating refresh tokens, the result equals the fault-free run', async () => {
    await clearSyncedData();
    for (const vendor of SYNCED_VENDORS) {
      // Throttling only where the vendor says how long to wait (Jobber's restore time, Google's backoff), and on
      // their data APIs, where they throttle: QuickBooks and Airtable mean a fixed 60 s and 30 s, which the client
      // tests cover without stretching this one.
      const dataApi: Record<string, string> = { jobber: 'graphql', google: '/calendar/' };
      const throttled = dataApi[vendor] ? [{ vendor, endpoint: dataApi[vendor], throttleRate: 0.05 }] : [];
      const rules = [{ vendor, errorRate: 0.1 }, ...throttled, { vendor, hang: true, times: 1 }];
      for (const rule of rules) expect((await fixture.control('faults', rule)).status).to.equal(201);
    }
    // Access tokens expire while the syncs run; each refresh rotates the refresh token.
    const expire = () => {
      for (const vendor of SYNCED_VENDORS) fixture.running.simulators.get(vendor)!.authFault!('token_expiry_now');
    };
    const expiries = [setTimeout(expire, 1_500), setTimeout(expire, 6_000)];
    const requestsBefore = Object.values(await sandboxRequests()).reduce((sum, n) => sum + n, 0);
    let runIds: string[];
    try {
      runIds = await syncEverything();
    } finally {
      expiries.forEach(clearTimeout);
      await fetch(`${fixture.running.controlUrl}/_sandbox/faults`, { method: 'DELETE' });
    }
    expect(await snapshotUnifiedTables(getHarness().orm.em.fork())).to.deep.equal(reference);

    const em = getHarness().orm.em.fork();
    const retries = await em.find(SyncLog, { runId: { $in: runIds }, step: 'retry' });
    const refreshes = await em.find(SyncLog, { runId: { $in: runIds }, step: 'token_refresh' });
    expect(retries.length, 'retries logged with their reason').to.be.greaterThan(0);
    expect(retries.every((row) => (row.errorMessage ?? '').length > 0)).to.equal(true);
    expect(refreshes.length, 'token refreshes logged').to.be.greaterThan(0);
    // No 429 storm: throttling retries stay near the injected 5% of requests instead of multiplying.
    const requests = Object.values(await sandboxRequests()).reduce((sum, n) => sum + n, 0) - requestsBefore;
    const throttled = retries.filter((row) => String((row.metadata ?? {}).type).includes('RateLimited')).length;
    expect(throttled).to.be.at.most(Math.ceil(requests * 0.12));
  });

  async function sandboxRequests(): Promise<Record<string, number>> {
    const reply = await fetch(`${fixture.running.controlUrl}/_sandbox`);
    return ((await reply.json()) as { requests: Record<string, number> }).requests;
  }
});
