import { Migration } from '@mikro-orm/migrations';

/**
 * Outbound actions (issue 6): the message state machine and vendor ids, and job documents published on Drive.
 * Existing message rows had a free-text status; anything outside the new vocabulary becomes `queued` (outbound)
 * or `received` (inbound) before the CHECK constraint applies.
 */
export class Migration20261130000000_outbound_actions extends Migration {
  override name = 'Migration20261130000000_outbound_actions';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "job_documents" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "job_id" uuid not null, "name" varchar(255) not null, "mime_type" varchar(255) not null, "size_bytes" int not null, "content" bytea not null, "status" text not null default 'pending', "share_with" jsonb not null default '[]', "drive_file_id" varchar(100) null, "web_view_link" text null, "shared_at" timestamptz null, "failure_reason" text null, "created_by_id" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "job_documents_job_id_index" on "job_documents" ("job_id");`);
    this.addSql(`create index "job_documents_status_index" on "job_documents" ("status");`);
    this.addSql(
      `alter table "job_documents" add constraint "job_documents_drive_file_id_unique" unique ("drive_file_id");`,
    );
    this.addSql(`create index "job_documents_created_by_id_index" on "job_documents" ("created_by_id");`);
    this.addSql(
      `alter table "job_documents" add constraint "job_documents_status_check" check ("status" in ('pending', 'uploaded', 'shared', 'failed'));`,
    );
    this.addSql(
      `alter table "job_documents" add constraint "job_documents_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "job_documents" add constraint "job_documents_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`,
    );

    this.addSql(
      `update "messages" set "status" = case when "direction" = 'inbound' then 'received' else 'queued' end where "status" is null or "status" not in ('queued', 'sending', 'sent', 'delivered', 'failed', 'received');`,
    );
    this.addSql(`alter table "messages" alter column "status" type text using ("status"::text);`);
    this.addSql(`alter table "messages" alter column "status" set default 'queued';`);
    this.addSql(`alter table "messages" alter column "status" set not null;`);
    this.addSql(
      `alter table "messages" add constraint "messages_status_check" check ("status" in ('queued', 'sending', 'sent', 'delivered', 'failed', 'received'));`,
    );
    this.addSql(
      `alter table "messages" add column "vendor" text null, add column "connection_id" uuid null, add column "document_id" uuid null, add column "slack_channel" varchar(100) null, add column "gmail_message_id" varchar(100) null, add column "vendor_thread_id" varchar(255) null, add column "vendor_status" varchar(50) null, add column "failure_code" varchar(100) null, add column "failure_reason" text null, add column "send_attempts" int not null default 0, add column "send_started_at" timestamptz null, add column "sent_at" timestamptz null, add column "created_by_id" uuid null;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_vendor_check" check ("vendor" in ('jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable'));`,
    );
    this.addSql(`create index "messages_connection_id_index" on "messages" ("connection_id");`);
    this.addSql(`create index "messages_document_id_index" on "messages" ("document_id");`);
    this.addSql(
      `alter table "messages" add constraint "messages_gmail_message_id_unique" unique ("gmail_message_id");`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_slack_channel_slack_ts_unique" unique ("slack_channel", "slack_ts");`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_connection_id_foreign" foreign key ("connection_id") references "vendor_connections" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_document_id_foreign" foreign key ("document_id") references "job_documents" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "messages" drop constraint "messages_connection_id_foreign";`);
    this.addSql(`alter table "messages" drop constraint "messages_document_id_foreign";`);
    this.addSql(`alter table "messages" drop constraint "messages_created_by_id_foreign";`);
    this.addSql(`alter table "messages" drop constraint "messages_slack_channel_slack_ts_unique";`);
    this.addSql(`alter table "messages" drop constraint "messages_gmail_message_id_unique";`);
    this.addSql(`alter table "messages" drop constraint "messages_vendor_check";`);
    this.addSql(`drop index "messages_connection_id_index";`);
    this.addSql(`drop index "messages_document_id_index";`);
    this.addSql(
      `alter table "messages" drop column "vendor", drop column "connection_id", drop column "document_id", drop column "slack_channel", drop column "gmail_message_id", drop column "vendor_thread_id", drop column "vendor_status", drop column "failure_code", drop column "failure_reason", drop column "send_attempts", drop column "send_started_at", drop column "sent_at", drop column "created_by_id";`,
    );
    this.addSql(`alter table "messages" drop constraint "messages_status_check";`);
    this.addSql(`alter table "messages" alter column "status" drop not null;`);
    this.addSql(`alter table "messages" alter column "status" drop default;`);
    this.addSql(`alter table "messages" alter column "status" type varchar(50) using ("status"::varchar(50));`);
    this.addSql(`drop table if exists "job_documents" cascade;`);
  }
}
