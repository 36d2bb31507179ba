import { Migration } from '@mikro-orm/migrations';

/*
 * The data mapper's columns: soft delete on every mirrored table, per-vendor "last seen" times and match-key
 * indexes on clients, and the (vendor, external_id) key on jobs (Jobber and Airtable both have jobs). Written to
 * match what MikroORM's schema diff produces from db/entities; tests/db/schema.test.ts checks there is no
 * difference left. The expression indexes repeat EMAIL_KEY_SQL and PHONE_KEY_SQL of db/entities/client.ts.
 */
export class Migration20261125120000_soft_delete extends Migration {
  override name = 'Migration20261125120000_soft_delete';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "clients" add column "jobber_synced_at" timestamptz null, add column "quickbooks_synced_at" timestamptz null, add column "airtable_synced_at" timestamptz null, add column "deleted_at" timestamptz null;`,
    );
    this.addSql(`create index "clients_deleted_at_index" on "clients" ("deleted_at");`);
    this.addSql(`create index "clients_email_key_index" on "clients" (nullif(lower(btrim(email)), ''));`);
    this.addSql(
      `create index "clients_phone_key_index" on "clients" (nullif(regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^1([0-9]{10})$', '\\1'), ''));`,
    );

    this.addSql(
      `alter table "jobs" add column "vendor" text null, add column "external_id" varchar(100) null, add column "number" varchar(50) null, add column "raw" jsonb null, add column "last_synced_at" timestamptz null, add column "deleted_at" timestamptz null;`,
    );
    this.addSql(
      `alter table "jobs" add constraint "jobs_vendor_check" check ("vendor" in ('jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable'));`,
    );
    this.addSql(`create index "jobs_deleted_at_index" on "jobs" ("deleted_at");`);
    this.addSql(`alter table "jobs" add constraint "jobs_vendor_external_id_unique" unique ("vendor", "external_id");`);

    for (const table of ['quotes', 'invoices', 'payments', 'expenses', 'calendar_events']) {
      this.addSql(`alter table "${table}" add column "deleted_at" timestamptz null;`);
    }
  }

  override down(): void | Promise<void> {
    for (const table of ['calendar_events', 'expenses', 'payments', 'invoices', 'quotes']) {
      this.addSql(`alter table "${table}" drop column "deleted_at";`);
    }
    this.addSql(`alter table "jobs" drop constraint "jobs_vendor_external_id_unique";`);
    this.addSql(`alter table "jobs" drop constraint "jobs_vendor_check";`);
    this.addSql(`drop index "jobs_deleted_at_index";`);
    this.addSql(
      `alter table "jobs" drop column "vendor", drop column "external_id", drop column "number", drop column "raw", drop column "last_synced_at", drop column "deleted_at";`,
    );
    this.addSql(`drop index "clients_phone_key_index";`);
    this.addSql(`drop index "clients_email_key_index";`);
    this.addSql(`drop index "clients_deleted_at_index";`);
    this.addSql(
      `alter table "clients" drop column "jobber_synced_at", drop column "quickbooks_synced_at", drop column "airtable_synced_at", drop column "deleted_at";`,
    );
  }
}
