import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmOptions, type OrmOverrides } from './mikro-orm.config.js';

/** Connects and validates the metadata; callers own the instance and must `close()` it. */
export async function openOrm(databaseUrl: string, overrides?: OrmOverrides): Promise<MikroORM> {
  return MikroORM.init(createOrmOptions(databaseUrl, overrides));
}
