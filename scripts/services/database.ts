import { join } from 'node:path';
import type { StackConfig } from '../../config/stack.js';
import { isPortFree } from './ports.js';
import { startLocalPostgres } from './postgres.js';
import { loadOrCreateSecrets } from './secrets.js';

/** The database `npm start` creates in its embedded cluster. */
export const EMBEDDED_DATABASE = 'business_dashboard';

/**
 * Runs `work` against the application's database, for one-off commands (`db:migrate`, `user:create`):
 * DATABASE_URL when given; otherwise the embedded cluster of `npm start`, reused when it already runs and
 * started just for `work` (and stopped after it) when it does not.
 */
export async function withDatabase<T>(stack: StackConfig, work: (databaseUrl: string) => Promise<T>): Promise<T> {
  if (stack.external.databaseUrl) return work(stack.external.databaseUrl);
  const secrets = loadOrCreateSecrets(stack.dataDir);
  if (!(await isPortFree(stack.postgresPort))) {
    return work(`postgres://postgres:${secrets.postgresPassword}@127.0.0.1:${stack.postgresPort}/${EMBEDDED_DATABASE}`);
  }
  const postgres = await startLocalPostgres({
    dataDir: stack.dataDir,
    logDir: join(stack.dataDir, 'logs'),
    port: stack.postgresPort,
    password: secrets.postgresPassword,
    database: EMBEDDED_DATABASE,
    durable: true,
    log: console.log,
  });
  try {
    return await work(postgres.url);
  } finally {
    await postgres.stop();
  }
}
