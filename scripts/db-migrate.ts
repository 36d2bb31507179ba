import { ConfigError } from '../config/env.js';
import { loadStackConfig } from '../config/stack.js';
import { migrateDatabase } from './migrate.js';
import { withDatabase } from './services/database.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
async function main(): Promise<void> {
  const applied = await withDatabase(loadStackConfig(), migrateDatabase);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
