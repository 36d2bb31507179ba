import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../config/env.js';
import { migrateUp } from '../../db/migrator.js';
import { openOrm } from '../../db/orm.js';
import type { RunningStack } from '../../scripts/services/stack.js';
import { startThrowawayStack } from '../../scripts/services/throwaway-stack.js';
import { ensureSearchAttributes } from '../../temporal/search-attributes.js';
import { workflowsPath } from '../../worker/worker.js';

/** The real services every test talks to, brought up once per run by the root hooks. */
export interface Harness {
  readonly config: Config;
  readonly stack: RunningStack;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly temporalAddress: string;
  readonly orm: MikroORM;
  readonly redis: Redis;
  readonly temporalConnection: Connection;
  readonly temporalClient: Client;
  readonly nativeConnection: NativeConnection;
  /** Workflow code bundled once per run and shared by every test worker. */
  workflowBundle(): Promise<WorkflowBundle>;
  /** Empties every application table (not the migrations table) so each test starts from nothing. */
  truncateAll(): Promise<void>;
  /** A task queue no other test polls, so workers of different tests never steal each other's tasks. */
  uniqueTaskQueue(prefix: string): string;
}

let current: Harness | undefined;
let stopStack: (() => Promise<void>) | undefined;

export function getHarness(): Harness {
  if (!current) throw new Error('the test harness is not up: run the suite through mocha with tests/support/hooks');
  return current;
}

export async function setUpHarness(log: (line: string) => void): Promise<Harness> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const throwaway = await startThrowawayStack(
    'business_dashboard_test',
    {
      databaseUrl: process.env.TEST_DATABASE_URL,
      redisUrl: process.env.TEST_REDIS_URL,
      temporalAddress: process.env.TEMPORAL_ADDRESS,
    },
    log,
  );
  stopStack = throwaway.stop;
  const { stack, secrets } = throwaway;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    JWT_SECRET: secrets.jwtSecret,
    CREDENTIALS_KEY: secrets.credentialsKey,
    LOG_LEVEL: 'silent',
  });
  const orm = await openOrm(stack.databaseUrl);
  await migrateUp(orm);
  const redis = new Redis(stack.redisUrl);
  const temporalConnection = await Connection.connect({ address: stack.temporalAddress });
  await ensureSearchAttributes(temporalConnection, config.temporal.namespace);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  let bundle: Promise<WorkflowBundle> | undefined;

  current = {
    config,
    stack,
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    temporalAddress: stack.temporalAddress,
    orm,
    redis,
    temporalConnection,
    temporalClient: new Client({ connection: temporalConnection, namespace: config.temporal.namespace }),
    nativeConnection,
    workflowBundle: () => (bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })),
    async truncateAll() {
      const tables = await orm.em
        .getConnection()
        .execute<{ tablename: string }[]>(
          "select tablename from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'",
        );
      if (tables.length === 0) return;
      const list = tables.map(({ tablename }) => `"${tablename}"`).join(', ');
      await orm.em.getConnection().execute(`truncate table ${list} restart identity cascade`);
      await redis.flushdb();
    },
    uniqueTaskQueue: (prefix) => `${prefix}-${randomUUID()}`,
  };
  return current;
}

export async function tearDownHarness(): Promise<void> {
  const harness = current;
  current = undefined;
  if (harness) {
    await harness.nativeConnection.close().catch(() => undefined);
    await harness.temporalConnection.close().catch(() => undefined);
    harness.redis.disconnect();
    await harness.orm.close().catch(() => undefined);
  }
  await stopStack?.();
  stopStack = undefined;
}
