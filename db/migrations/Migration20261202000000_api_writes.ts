import { Migration } from '@mikro-orm/migrations';
import {
  CLIENT_VERSIONED_COLUMNS,
  JOB_VERSIONED_COLUMNS,
  VERSION_TRIGGER,
  versionTriggerSql,
} from '../entities/version-trigger.js';

/**
 * The CRUD API's writes: a `version` on clients and jobs, bumped by a trigger on any content change made without
 * bumping it explicitly (the data mapper's raw upserts, entity flushes elsewhere), so a stale `If-Match` always
 * loses; the keyset indexes of the two lists; pg_trgm indexes for their `q` substring search.
 */
export class Migration20261202000000_api_writes extends Migration {
  override name = 'Migration20261202000000_api_writes';

  override up(): void | Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`alter table "clients" add column "version" int not null default 1;`);
    this.addSql(`alter table "jobs" add column "version" int not null default 1;`);
    for (const sql of versionTriggerSql('clients', CLIENT_VERSIONED_COLUMNS)) this.addSql(sql);
    for (const sql of versionTriggerSql('jobs', JOB_VERSIONED_COLUMNS)) this.addSql(sql);

    this.addSql(`create index "clients_created_at_id_index" on "clients" ("created_at", "id");`);
    this.addSql(`create index "clients_name_id_index" on "clients" ("name", "id");`);
    this.addSql(`create index "clients_updated_at_id_index" on "clients" ("updated_at", "id");`);
    this.addSql(`create index "clients_name_trgm_index" on "clients" using gin ("name" gin_trgm_ops);`);
    this.addSql(`create index "clients_email_trgm_index" on "clients" using gin ("email" gin_trgm_ops);`);
    this.addSql(`create index "clients_phone_trgm_index" on "clients" using gin ("phone" gin_trgm_ops);`);

    this.addSql(`create index "jobs_created_at_id_index" on "jobs" ("created_at", "id");`);
    this.addSql(`create index "jobs_updated_at_id_index" on "jobs" ("updated_at", "id");`);
    this.addSql(`create index "jobs_status_created_at_id_index" on "jobs" ("status", "created_at", "id");`);
    this.addSql(`create index "jobs_client_id_created_at_id_index" on "jobs" ("client_id", "created_at", "id");`);
    this.addSql(`create index "jobs_title_trgm_index" on "jobs" using gin ("title" gin_trgm_ops);`);
  }

  override down(): void | Promise<void> {
    for (const index of [
      'jobs_title_trgm_index',
      'jobs_client_id_created_at_id_index',
      'jobs_status_created_at_id_index',
      'jobs_updated_at_id_index',
      'jobs_created_at_id_index',
      'clients_phone_trgm_index',
      'clients_email_trgm_index',
      'clients_name_trgm_index',
      'clients_updated_at_id_index',
      'clients_name_id_index',
      'clients_created_at_id_index',
    ]) {
      this.addSql(`drop index "${index}";`);
    }
    for (const table of ['jobs', 'clients']) {
      this.addSql(`drop trigger "${VERSION_TRIGGER}" on "${table}";`);
      this.addSql(`drop function "${table}_${VERSION_TRIGGER}_fn"();`);
    }
    this.addSql(`alter table "jobs" drop column "version";`);
    this.addSql(`alter table "clients" drop column "version";`);
  }
}
