import { Migration } from '@mikro-orm/migrations';

/** How often each connection's periodic (Temporal Schedule) incremental syncs run. */
export class Migration20261129120000_sync_interval extends Migration {
  override name = 'Migration20261129120000_sync_interval';

  override up(): void | Promise<void> {
    this.addSql(`alter table "vendor_connections" add column "sync_interval_minutes" int not null default 15;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "vendor_connections" drop column "sync_interval_minutes";`);
  }
}
