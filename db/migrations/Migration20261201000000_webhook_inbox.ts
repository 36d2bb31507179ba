import { Migration } from '@mikro-orm/migrations';

/**
 * The webhook inbox (issue 7): events are deduplicated per source (a vendor, or `custom:<name>`), count their
 * redeliveries and list every workflow they were handed to; messages keep their Slack reactions.
 */
export class Migration20261201000000_webhook_inbox extends Migration {
  override name = 'Migration20261201000000_webhook_inbox';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_events" drop constraint "webhook_events_vendor_check";`);
    this.addSql(
      `alter table "webhook_events" add constraint "webhook_events_vendor_check" check ("vendor" in ('jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable', 'custom'));`,
    );
    this.addSql(`alter table "webhook_events" add column "source" varchar(120) null;`);
    this.addSql(`update "webhook_events" set "source" = "vendor";`);
    this.addSql(`alter table "webhook_events" alter column "source" set not null;`);
    this.addSql(`alter table "webhook_events" drop constraint "webhook_events_vendor_event_id_unique";`);
    this.addSql(
      `alter table "webhook_events" add constraint "webhook_events_source_event_id_unique" unique ("source", "event_id");`,
    );
    this.addSql(`alter table "webhook_events" add column "deliveries" int not null default 1;`);
    this.addSql(`alter table "webhook_events" add column "workflow_ids" text[] not null default '{}';`);
    this.addSql(
      `update "webhook_events" set "workflow_ids" = array["workflow_id"]::text[] where "workflow_id" is not null;`,
    );
    this.addSql(`drop index "webhook_events_workflow_id_index";`);
    this.addSql(`alter table "webhook_events" drop column "workflow_id";`);

    this.addSql(`alter table "messages" add column "reactions" jsonb not null default '{}';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "messages" drop column "reactions";`);

    this.addSql(`alter table "webhook_events" add column "workflow_id" varchar(255) null;`);
    this.addSql(`update "webhook_events" set "workflow_id" = "workflow_ids"[1];`);
    this.addSql(`create index "webhook_events_workflow_id_index" on "webhook_events" ("workflow_id");`);
    this.addSql(`alter table "webhook_events" drop column "workflow_ids";`);
    this.addSql(`alter table "webhook_events" drop column "deliveries";`);
    this.addSql(`alter table "webhook_events" drop constraint "webhook_events_source_event_id_unique";`);
    this.addSql(`delete from "webhook_events" where "vendor" = 'custom';`);
    this.addSql(
      `alter table "webhook_events" add constraint "webhook_events_vendor_event_id_unique" unique ("vendor", "event_id");`,
    );
    this.addSql(`alter table "webhook_events" drop column "source";`);
    this.addSql(`alter table "webhook_events" drop constraint "webhook_events_vendor_check";`);
    this.addSql(
      `alter table "webhook_events" add constraint "webhook_events_vendor_check" check ("vendor" in ('jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable'));`,
    );
  }
}
