import type { MikroORM } from '@mikro-orm/postgresql';

/*
 * Applies every pending migration and returns the names it applied (empty when the schema is current). The
 * migrations config runs each migration in its own transaction inside one outer transaction, so a failure leaves
 * the database as it was before the call.
 */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}
