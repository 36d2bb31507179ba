import { join } from 'node:path';
import { ConfigError } from '../config/env.js';
import { loadStackConfig } from '../config/stack.js';
import { migrateDatabase } from './migrate.js';
import { isPortFree } from './services/ports.js';
import { startLocalPostgres } from './services/postgres.js';
import { loadOrCreateSecrets } from './services/secrets.js';

const DATABASE = 'business_dashboard';

/**
 * `npm run db:migrate`: migrates DATABASE_URL when given; otherwise the embedded cluster of `npm start`,
 * reusing it when it already runs and starting it just for the migration when it does not.
 */
async function main(): Promise<void> {
  const stack = loadStackConfig();
  const report = (applied: string[]) =>
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
  if (stack.external.databaseUrl) {
    report(await migrateDatabase(stack.external.databaseUrl));
    return;
  }
  const secrets = loadOrCreateSecrets(stack.dataDir);
  if (!(await isPortFree(stack.postgresPort))) {
    const url = `postgres://postgres:${secrets.postgresPassword}@127.0.0.1:${stack.postgresPort}/${DATABASE}`;
    report(await migrateDatabase(url));
    return;
  }
  const postgres = await startLocalPostgres({
    dataDir: stack.dataDir,
    logDir: join(stack.dataDir, 'logs'),
    port: stack.postgresPort,
    password: secrets.postgresPassword,
    database: DATABASE,
    durable: true,
    log: console.log,
  });
  try {
    report(await migrateDatabase(postgres.url));
  } finally {
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
