import { expect } from 'chai';
import {
  CheckConstraintViolationException,
  UniqueConstraintViolationException,
  type MikroORM,
} from '@mikro-orm/postgresql';
import { Client, Invoice, Job, SyncLog, User } from '../../db/entities/index.js';
import { migrateUp } from '../../db/migrator.js';
import { recordSyncStep } from '../../db/repositories/sync-log.js';
import { getHarness } from '../support/harness.js';

const INITIAL = 'Migration20261125000000_initial';

/** Resolves to the error a promise rejects with, or fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the database to reject the write');
}

async function appTableCount(orm: MikroORM): Promise<number> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ count: string }[]>(
      "select count(*) as count from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'",
    );
  return Number(row?.count);
}

describe('database schema (real PostgreSQL)', function () {
  this.timeout(60_000);
  beforeEach(() => getHarness().truncateAll());

  describe('migrations', () => {
    it('has applied the initial migration and finds nothing left to apply', async () => {
      const { orm } = getHarness();
      const executed = await orm.migrator.getExecuted();
      expect(executed.map((row) => row.name)).to.include(INITIAL);
      expect(await migrateUp(orm)).to.deep.equal([]);
    });

    it('leaves no difference between the migrated schema and the entities', async () => {
      const sql = await getHarness().orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(sql.trim()).to.equal('');
    });

    it('migrates down to an empty database and back up again', async () => {
      const { orm } = getHarness();
      await orm.migrator.down({ to: 0 });
      expect(await appTableCount(orm)).to.equal(0);
      expect(await migrateUp(orm)).to.deep.equal([
        INITIAL,
        'Migration20261125120000_soft_delete',
        'Migration20261129120000_sync_interval',
        'Migration20261130000000_outbound_actions',
        'Migration20261201000000_webhook_inbox',
        'Migration20261202000000_api_writes',
        'Migration20261202010000_read_indexes',
      ]);
      expect(await appTableCount(orm)).to.equal(17);
      expect(await migrateUp(orm)).to.deep.equal([]);
    });
  });

  describe('entities', () => {
    it('stores a client, its job and a sync_log row, and reads them back', async () => {
      const { orm } = getHarness();
      const em = orm.em.fork();
      const client = em.create(Client, { name: 'Acme Roofing', email: 'office@acme.test', jobberId: 'jobber-1' });
      // Ids come from JS at create time, so workflow ids can be built before the flush.
      expect(client.id).to.match(/^[0-9a-f-]{36}$/);
      const job = em.create(Job, {
        title: 'Replace gutters',
        status: 'scheduled',
        client,
        estimatedRevenue: '1234.50',
      });
      await em.flush();
      await recordSyncStep(orm.em.fork(), {
        service: 'jobber',
        operation: 'upsert',
        resourceType: 'job',
        status: 'ok',
      });

      const reader = orm.em.fork();
      const loaded = await reader.findOneOrFail(Job, { id: job.id }, { populate: ['client'] });
      expect(loaded.client?.getEntity().name).to.equal('Acme Roofing');
      expect(loaded.estimatedRevenue).to.equal('1234.50');
      expect(loaded.tags).to.deep.equal([]);
      expect(loaded.createdAt).to.be.instanceOf(Date);
      const logs = await reader.find(SyncLog, { service: 'jobber' });
      expect(logs.map((log) => [log.operation, log.resourceType, log.status])).to.deep.equal([['upsert', 'job', 'ok']]);
    });

    it('moves updated_at forward when a row changes', async () => {
      const em = getHarness().orm.em.fork();
      const client = em.create(Client, { name: 'Before' });
      await em.flush();
      const createdAt = client.updatedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      client.name = 'After';
      await em.flush();
      expect(client.updatedAt.getTime()).to.be.greaterThan(createdAt.getTime());
    });

    it('rejects a second row for the same (vendor, external id)', async () => {
      const { orm } = getHarness();
      const first = orm.em.fork();
      first.create(Invoice, { vendor: 'quickbooks', externalId: '42', status: 'open', total: '10.00' });
      await first.flush();

      const duplicate = orm.em.fork();
      duplicate.create(Invoice, { vendor: 'quickbooks', externalId: '42', status: 'paid' });
      expect(await rejectionOf(duplicate.flush())).to.be.instanceOf(UniqueConstraintViolationException);

      // The same id from another vendor is a different record.
      const other = orm.em.fork();
      other.create(Invoice, { vendor: 'jobber', externalId: '42', status: 'open' });
      await other.flush();
      expect(await orm.em.fork().count(Invoice, { externalId: '42' })).to.equal(2);
    });

    it('lets many clients have no vendor id while vendor ids stay unique', async () => {
      const { orm } = getHarness();
      const em = orm.em.fork();
      em.create(Client, { name: 'Walk-in 1' });
      em.create(Client, { name: 'Walk-in 2' });
      em.create(Client, { name: 'Synced', quickbooksId: 'qb-7' });
      await em.flush();
      const duplicate = orm.em.fork();
      duplicate.create(Client, { name: 'Synced again', quickbooksId: 'qb-7' });
      expect(await rejectionOf(duplicate.flush())).to.be.instanceOf(UniqueConstraintViolationException);
    });

    it('treats user emails case-insensitively', async () => {
      const { orm } = getHarness();
      const em = orm.em.fork();
      em.create(User, { email: '  Admin@Example.COM ', passwordHash: 'hash' });
      await em.flush();
      const found = await orm.em.fork().findOneOrFail(User, { email: 'ADMIN@example.com' });
      expect([found.email, found.role, found.active, found.failedLoginCount]).to.deep.equal([
        'admin@example.com',
        'user',
        true,
        0,
      ]);
      // Raw SQL bypasses the lower-casing type, so the CHECK constraint is the last line of defence.
      const raw = orm.em
        .fork()
        .execute("insert into users (email, password_hash) values ('Mixed@Example.com', 'hash')");
      expect(await rejectionOf(raw)).to.be.instanceOf(CheckConstraintViolationException);
    });
  });

  describe('recordSyncStep', () => {
    it('writes a retried activity step once', async () => {
      const { orm } = getHarness();
      const entry = {
        service: 'quickbooks',
        operation: 'sync',
        status: 'succeeded',
        workflowId: 'sync-conn-1-invoices',
        runId: 'run-1',
        activityId: '3',
      };
      expect(await recordSyncStep(orm.em.fork(), entry)).to.equal(true);
      expect(await recordSyncStep(orm.em.fork(), entry)).to.equal(false);
      expect(await recordSyncStep(orm.em.fork(), { ...entry, activityId: '4' })).to.equal(true);
      expect(await orm.em.fork().count(SyncLog, { workflowId: 'sync-conn-1-invoices' })).to.equal(2);
    });

    it('never deduplicates steps written without an activity id', async () => {
      const { orm } = getHarness();
      const entry = { service: 'matcher', operation: 'match', status: 'ok', workflowId: 'wf', runId: 'run' };
      await recordSyncStep(orm.em.fork(), entry);
      await recordSyncStep(orm.em.fork(), entry);
      expect(await orm.em.fork().count(SyncLog, { service: 'matcher' })).to.equal(2);
    });
  });
});
