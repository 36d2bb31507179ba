import { migrateUp } from '../db/migrator.js';
import { openOrm } from '../db/orm.js';

/** Applies pending migrations and returns their names. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const orm = await openOrm(databaseUrl);
  try {
    return await migrateUp(orm);
  } finally {
    await orm.close();
  }
}
