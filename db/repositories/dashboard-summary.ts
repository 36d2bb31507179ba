import type { EntityManager } from '@mikro-orm/postgresql';

type Connection = ReturnType<EntityManager['getConnection']>;

/*
 * The dashboard's headline figures. Each group is one small aggregate run on its own pooled connection, all at
 * once, so a cold summary costs the slowest aggregate rather than their sum. Money is summed in SQL numeric and
 * read as text: a float would round cents.
 */

/** Invoice statuses that are not money anyone expects to receive (a draft was never sent; bad debt is written off). */
export const NOT_RECEIVABLE_STATUSES = ['draft', 'void', 'voided', 'bad_debt'] as const;
/** Payment statuses that did not bring money in. */
export const NOT_RECEIVED_PAYMENT_STATUSES = ['void', 'voided', 'failed', 'refunded'] as const;

export interface JobStatusCount {
  status: string;
  count: number;
}

export interface Revenue {
  /** Payments received (cash basis) with `paid_on` in the current calendar month, UTC. */
  month: string;
  /** Payments received with `paid_on` in the current calendar year, UTC. */
  year: string;
}

export interface Receivables {
  /** Open invoices: not deleted, balance above zero, and not a draft, void or bad debt. */
  count: number;
  balance: string;
  overdue: { count: number; balance: string };
}

export interface SyncHealth {
  connectionId: string;
  vendor: string;
  displayName: string | null;
  status: string;
  needsReauth: boolean;
  /** When the last sync of any resource of the connection completed (set by the same transaction as its log row). */
  lastSuccessAt: string | null;
  lastFailure: { at: string; resource: string | null; error: string | null } | null;
  /** Connected, and no failure since the last success. */
  healthy: boolean;
}

export interface DashboardSummary {
  activeClients: number;
  jobsByStatus: JobStatusCount[];
  unreadMessages: number;
  /** Null for roles that may not read finances. */
  revenue: Revenue | null;
  receivables: Receivables | null;
  syncHealth: SyncHealth[];
  asOf: string;
}

const money = (expression: string) => `coalesce(${expression}, 0)::numeric(14, 2)::text`;

const notIn = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

async function activeClients(connection: Connection): Promise<number> {
  const [row] = await connection.execute<{ count: number }[]>(
    `select count(*)::int as count from clients where deleted_at is null`,
  );
  return row?.count ?? 0;
}

async function jobsByStatus(connection: Connection): Promise<JobStatusCount[]> {
  return connection.execute<JobStatusCount[]>(
    `select status, count(*)::int as count from jobs where deleted_at is null group by status order by status`,
  );
}

async function unreadMessages(connection: Connection): Promise<number> {
  const [row] = await connection.execute<{ count: number }[]>(
    `select count(*)::int as count from messages where direction = 'inbound' and read_at is null`,
  );
  return row?.count ?? 0;
}

/** `today` is a UTC calendar day (YYYY-MM-DD): months and years are UTC ones, the same on every server. */
async function revenue(connection: Connection, today: string): Promise<Revenue> {
  const [row] = await connection.execute<Revenue[]>(
    `select ${money(`sum(amount) filter (where paid_on >= date_trunc('month', ?::date))`)} as month,
            ${money('sum(amount)')} as year
       from payments
      where deleted_at is null
        and status not in (${notIn(NOT_RECEIVED_PAYMENT_STATUSES)})
        and paid_on >= date_trunc('year', ?::date) and paid_on <= ?::date`,
    [today, today, today],
  );
  return row ?? { month: '0.00', year: '0.00' };
}

async function receivables(connection: Connection, today: string): Promise<Receivables> {
  const [row] = await connection.execute<
    { count: number; balance: string; overdue_count: number; overdue_balance: string }[]
  >(
    `select count(*)::int as count, ${money('sum(balance)')} as balance,
            (count(*) filter (where due_on < ?::date))::int as overdue_count,
            ${money('sum(balance) filter (where due_on < ?::date)')} as overdue_balance
       from invoices
      where deleted_at is null and balance > 0 and status not in (${notIn(NOT_RECEIVABLE_STATUSES)})`,
    [today, today],
  );
  return {
    count: row?.count ?? 0,
    balance: row?.balance ?? '0.00',
    overdue: { count: row?.overdue_count ?? 0, balance: row?.overdue_balance ?? '0.00' },
  };
}

interface HealthRow {
  id: string;
  vendor: string;
  display_name: string | null;
  status: string;
  last_synced_at: Date | null;
  failed_at: Date | null;
  failed_resource: string | null;
  failed_error: string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

async function syncHealth(connection: Connection): Promise<SyncHealth[]> {
  const rows = await connection.execute<HealthRow[]>(
    `select c.id, c.vendor, c.display_name, c.status, c.last_synced_at,
            f.created_at as failed_at, f.resource_type as failed_resource, f.error_message as failed_error
       from vendor_connections c
       left join lateral (
         select created_at, resource_type, error_message from sync_log
          where connection_id = c.id and status = 'failed' and step = 'failed'
          order by created_at desc limit 1
       ) f on true
      order by c.vendor, c.created_at, c.id`,
  );
  return rows.map((row) => {
    const lastSuccessAt = iso(row.last_synced_at);
    const lastFailure = row.failed_at
      ? { at: iso(row.failed_at)!, resource: row.failed_resource, error: row.failed_error }
      : null;
    return {
      connectionId: row.id,
      vendor: row.vendor,
      displayName: row.display_name,
      status: row.status,
      needsReauth: row.status === 'needs_reauth',
      lastSuccessAt,
      lastFailure,
      healthy:
        row.status === 'connected' && (!lastFailure || (lastSuccessAt !== null && lastSuccessAt > lastFailure.at)),
    };
  });
}

/** UTC calendar day of `now`, as the date the money figures are computed for. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Computes the summary; `withFinances` false leaves the money figures out (null) without querying them. Each
 * `execute` outside a transaction takes its own pooled connection, which is what lets the aggregates run at once.
 */
export async function computeDashboardSummary(
  em: EntityManager,
  options: { withFinances: boolean; now?: Date },
): Promise<DashboardSummary> {
  const connection = em.getConnection();
  const now = options.now ?? new Date();
  const today = utcDay(now);
  const [clients, jobs, unread, health, revenueFigures, receivableFigures] = await Promise.all([
    activeClients(connection),
    jobsByStatus(connection),
    unreadMessages(connection),
    syncHealth(connection),
    options.withFinances ? revenue(connection, today) : null,
    options.withFinances ? receivables(connection, today) : null,
  ]);
  return {
    activeClients: clients,
    jobsByStatus: jobs,
    unreadMessages: unread,
    revenue: revenueFigures,
    receivables: receivableFigures,
    syncHealth: health,
    asOf: now.toISOString(),
  };
}
