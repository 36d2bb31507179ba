import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/postgresql';
import { allEntities } from './entities/index.js';
import { migrationsList } from './migrations/index.js';

export interface OrmOverrides {
  debug?: boolean;
  poolMax?: number;
}

/*
 * Everything is listed explicitly (entities and migration classes) so the compiled JS in dist/ needs no folder
 * discovery, no ts-morph and no file globbing.
 */
export function createOrmOptions(databaseUrl: string, overrides: OrmOverrides = {}): Options {
  return {
    clientUrl: databaseUrl,
    entities: allEntities,
    extensions: [Migrator],
    debug: overrides.debug ?? false,
    // The API and the worker each hold one pool; 10 matches node-postgres' own default.
    pool: { max: overrides.poolMax ?? 10 },
    migrations: {
      migrationsList,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // The snapshot is a generator aid; writing it after `up` would put a JSON file wherever the process runs.
      snapshot: false,
      silent: true,
    },
  };
}
