/*
 * Optimistic concurrency for rows that raw SQL writes too (the data mapper's upserts): a BEFORE UPDATE trigger
 * bumps `version` whenever one of the content columns changes and the statement did not bump it itself. The API's
 * own writes set `version = version + 1`, so they are never counted twice; bookkeeping columns left out of the list
 * (vendor ids, sync times, raw payloads) change nothing a caller edits, so they keep the version.
 */

export const CLIENT_VERSIONED_COLUMNS = ['name', 'email', 'phone', 'address', 'tags', 'custom_fields', 'deleted_at'];

export const JOB_VERSIONED_COLUMNS = [
  'client_id',
  'title',
  'description',
  'status',
  'priority',
  'scheduled_start',
  'scheduled_end',
  'actual_start',
  'actual_end',
  'estimated_revenue',
  'actual_revenue',
  'assigned_to',
  'tags',
  'custom_fields',
  'deleted_at',
];

/** The trigger's name on each table; its function is `<table>_version_bump_fn`, MikroORM's naming. */
export const VERSION_TRIGGER = 'version_bump';

const row = (prefix: 'old' | 'new', columns: readonly string[]) =>
  columns.map((column) => `${prefix}."${column}"`).join(', ');

/** CREATE FUNCTION and CREATE TRIGGER of one table, as MikroORM's `expression` and as the migration's SQL. */
export function versionTriggerSql(table: string, columns: readonly string[]): string[] {
  const fn = `"${table}_${VERSION_TRIGGER}_fn"`;
  return [
    `create or replace function ${fn}() returns trigger as $$ begin new."version" := old."version" + 1; return new; end; $$ language plpgsql;`,
    `create trigger "${VERSION_TRIGGER}" before update on "${table}" for each row when (old."version" = new."version" and (${row('old', columns)}) is distinct from (${row('new', columns)})) execute function ${fn}();`,
  ];
}

/** The entity-side declaration (MikroORM 7 diffs triggers; an `expression` trigger is compared by name only). */
export function versionTrigger(table: string, columns: readonly string[]) {
  return {
    name: VERSION_TRIGGER,
    timing: 'before' as const,
    events: ['update' as const],
    expression: versionTriggerSql(table, columns).join('\n'),
  };
}
