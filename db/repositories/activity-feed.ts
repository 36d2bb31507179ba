import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * The dashboard's activity feed: sync outcomes, messages and job changes merged newest first. Each source is its
 * own index-ordered subquery cut to `limit + 1` rows past the cursor, so the merge sorts at most a few hundred
 * rows however large the tables are. The cursor is the last item's (at, id); ids are UUIDs in every table, so one
 * (at desc, id desc) order is total across sources.
 */

export const ACTIVITY_TYPES = ['sync', 'message', 'job'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** Where the feed continues: the last item's timestamp at full (microsecond) precision, and its row id. */
export interface ActivityPosition {
  at: string;
  id: string;
}

/** One feed row as the union returns it; `source` says which columns mean what (see `presentActivity`). */
export interface ActivityRow {
  source: 'sync' | 'message' | 'job' | 'job_note';
  id: string;
  at: Date;
  /** `at` at microsecond precision, for the cursor (a JS Date keeps milliseconds only). */
  at_text: string;
  event: string;
  label: string | null;
  subject: string | null;
  excerpt: string | null;
  metadata: Record<string, unknown> | null;
  job_id: string | null;
  client_id: string | null;
  workflow_id: string | null;
}

const AT_TEXT = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `column <= at` is what the index can seek to; the rest breaks ties on the id. */
function after(
  column: string,
  idColumn: string,
  position: ActivityPosition | undefined,
): { sql: string; params: unknown[] } {
  if (!position) return { sql: 'true', params: [] };
  return {
    sql: `${column} <= ?::timestamptz and (${column} < ?::timestamptz or ${idColumn} < ?::uuid)`,
    params: [position.at, position.at, position.id],
  };
}

function syncSource(position: ActivityPosition | undefined, take: number) {
  const cursor = after('s.created_at', 's.id', position);
  return {
    sql: `(select 'sync' as source, s.id, s.created_at as at, ${AT_TEXT('s.created_at')} as at_text, s.step as event,
                  s.service as label, s.resource_type as subject, left(s.error_message, 300) as excerpt, s.metadata,
                  null::uuid as job_id, null::uuid as client_id, s.workflow_id
             from sync_log s
            where s.step in ('completed', 'failed') and ${cursor.sql}
            order by s.created_at desc, s.id desc limit ?)`,
    params: [...cursor.params, take],
  };
}

function messageSource(position: ActivityPosition | undefined, take: number) {
  const cursor = after('m.created_at', 'm.id', position);
  return {
    sql: `(select 'message' as source, m.id, m.created_at as at, ${AT_TEXT('m.created_at')} as at_text,
                  m.direction as event, m.channel as label,
                  coalesce(m.subject, case when m.direction = 'inbound' then m.from_address else m.to_address end)
                    as subject,
                  left(m.body, 200) as excerpt, null::jsonb as metadata, m.job_id, m.client_id,
                  null::varchar as workflow_id
             from messages m
            where ${cursor.sql}
            order by m.created_at desc, m.id desc limit ?)`,
    params: [...cursor.params, take],
  };
}

/*
 * A job appears once, at its latest change; `created` when it has not changed since (the ORM stamps created_at and
 * updated_at with two clock reads, so "the same" means within a second).
 */
function jobSource(position: ActivityPosition | undefined, take: number) {
  const cursor = after('j.updated_at', 'j.id', position);
  return {
    sql: `(select 'job' as source, j.id, j.updated_at as at, ${AT_TEXT('j.updated_at')} as at_text,
                  case when j.deleted_at is not null then 'deleted'
                       when j.updated_at - j.created_at < interval '1 second' then 'created'
                       else 'updated' end as event,
                  j.status as label, j.title as subject, null as excerpt, null::jsonb as metadata,
                  j.id as job_id, j.client_id, null::varchar as workflow_id
             from jobs j
            where ${cursor.sql}
            order by j.updated_at desc, j.id desc limit ?)`,
    params: [...cursor.params, take],
  };
}

function jobNoteSource(position: ActivityPosition | undefined, take: number) {
  const cursor = after('n.created_at', 'n.id', position);
  return {
    sql: `(select 'job_note' as source, n.id, n.created_at as at, ${AT_TEXT('n.created_at')} as at_text,
                  'note' as event, n.vendor as label, j.title as subject, left(n.body, 200) as excerpt,
                  null::jsonb as metadata, n.job_id, j.client_id, null::varchar as workflow_id
             from job_notes n join jobs j on j.id = n.job_id
            where ${cursor.sql}
            order by n.created_at desc, n.id desc limit ?)`,
    params: [...cursor.params, take],
  };
}

/** Rows of the feed after `position`, newest first: `limit + 1` of them when there are more. */
export async function readActivityFeed(
  em: EntityManager,
  options: { types: readonly ActivityType[]; limit: number; after?: ActivityPosition },
): Promise<ActivityRow[]> {
  const take = options.limit + 1;
  const sources = [
    ...(options.types.includes('sync') ? [syncSource(options.after, take)] : []),
    ...(options.types.includes('message') ? [messageSource(options.after, take)] : []),
    ...(options.types.includes('job') ? [jobSource(options.after, take), jobNoteSource(options.after, take)] : []),
  ];
  if (sources.length === 0) return [];
  const sql = `select * from (${sources.map((source) => source.sql).join(' union all ')}) feed
                order by at desc, id desc limit ?`;
  return em.getConnection().execute<ActivityRow[]>(sql, [...sources.flatMap((source) => source.params), take]);
}
