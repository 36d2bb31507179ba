import type { EntityManager } from '@mikro-orm/postgresql';
import {
  CANCELLED_STATUSES,
  UNISSUED_INVOICE_STATUSES,
  money,
  statusList,
  type DayRange,
  type IncomeBasis,
} from './finance-reports.js';

/* The two ranked finance reports: the top rows by amount, with totals over every row in the range. */

/** Percent of `part` in `whole`, two decimals; null when the whole is zero (no revenue, no margin). */
const percent = (part: string, whole: string) =>
  `case when coalesce(${whole}, 0) = 0 then null else round(coalesce(${part}, 0) * 100 / ${whole}, 2)::text end`;

export interface ClientRevenue {
  clientId: string;
  clientName: string | null;
  invoiced: string;
  invoiceCount: number;
  paid: string;
  paymentCount: number;
}

export interface RevenueByClient {
  clients: ClientRevenue[];
  totals: { clients: number; invoiced: string; invoiceCount: number; paid: string; paymentCount: number };
}

/**
 * Per client: invoices issued in the range (not drafts or void) and payments received in it. Ranked by invoiced
 * amount on the accrual basis, by paid amount on the cash basis. Rows without a client are left out.
 */
export async function revenueByClient(
  em: EntityManager,
  range: DayRange,
  basis: IncomeBasis,
  limit: number,
): Promise<RevenueByClient> {
  const rankBy = basis === 'accrual' ? 'invoiced' : 'paid';
  const rows = await em.getConnection().execute<
    Array<
      ClientRevenue & {
        clientCount: number;
        totalInvoiced: string;
        totalInvoices: number;
        totalPaid: string;
        totalPayments: number;
      }
    >
  >(
    `with invoiced as (
       select client_id, sum(total) as amount, count(*) as n from invoices
        where client_id is not null and issued_on between ?::date and ?::date and deleted_at is null
          and status <> all(array[?]::text[])
        group by client_id
     ), paid as (
       select client_id, sum(amount) as amount, count(*) as n from payments
        where client_id is not null and paid_on between ?::date and ?::date and deleted_at is null
          and status <> all(array[?]::text[])
        group by client_id
     ), combined as (
       select client_id, coalesce(i.amount, 0) as invoiced, coalesce(i.n, 0) as invoice_count,
         coalesce(p.amount, 0) as paid, coalesce(p.n, 0) as payment_count
       from invoiced i full join paid p using (client_id)
     )
     select c.client_id as "clientId", cl.name as "clientName", ${money('c.invoiced')} as invoiced,
       c.invoice_count::int as "invoiceCount", ${money('c.paid')} as paid, c.payment_count::int as "paymentCount",
       (count(*) over ())::int as "clientCount", ${money('sum(c.invoiced) over ()')} as "totalInvoiced",
       (sum(c.invoice_count) over ())::int as "totalInvoices", ${money('sum(c.paid) over ()')} as "totalPaid",
       (sum(c.payment_count) over ())::int as "totalPayments"
     from combined c left join clients cl on cl.id = c.client_id
     order by c.${rankBy} desc, c.client_id
     limit ?`,
    [
      range.from,
      range.to,
      statusList(UNISSUED_INVOICE_STATUSES),
      range.from,
      range.to,
      statusList(CANCELLED_STATUSES),
      limit,
    ],
  );
  const first = rows[0];
  return {
    clients: rows.map(({ clientId, clientName, invoiced, invoiceCount, paid, paymentCount }) => ({
      clientId,
      clientName,
      invoiced,
      invoiceCount,
      paid,
      paymentCount,
    })),
    totals: {
      clients: first?.clientCount ?? 0,
      invoiced: first?.totalInvoiced ?? '0.00',
      invoiceCount: first?.totalInvoices ?? 0,
      paid: first?.totalPaid ?? '0.00',
      paymentCount: first?.totalPayments ?? 0,
    },
  };
}

export interface JobFigures {
  estimatedRevenue: string;
  actualRevenue: string;
  invoiced: string;
  costs: string;
  /** Actual minus estimated revenue. */
  variance: string;
  /** Actual revenue minus costs. */
  profit: string;
  /** Profit as a percent of actual revenue; null without actual revenue. */
  marginPercent: string | null;
}

export interface JobProfit extends JobFigures {
  jobId: string;
  title: string;
  status: string;
  clientId: string | null;
  scheduledStart: string;
}

export interface JobProfitability {
  jobs: JobProfit[];
  totals: JobFigures & { jobs: number };
}

/**
 * Jobs scheduled to start in the range: estimated vs actual revenue (the jobs' own columns, a missing value counted
 * as zero), what was invoiced for them (invoices.job, not drafts or void) and their costs (expenses.job). The top
 * `limit` jobs by actual revenue; totals cover every job in the range.
 */
export async function jobProfitability(em: EntityManager, range: DayRange, limit: number): Promise<JobProfitability> {
  type Row = JobProfit & {
    [K in keyof JobProfitability['totals'] as `total${Capitalize<K>}`]: JobProfitability['totals'][K];
  };
  const rows = await em.getConnection().execute<Row[]>(
    `with scoped as (
       select id, title, status, client_id, scheduled_start, coalesce(estimated_revenue, 0) as estimated,
         coalesce(actual_revenue, 0) as actual
       from jobs
       where deleted_at is null and scheduled_start >= (?::date)::timestamp at time zone 'UTC'
         and scheduled_start < (?::date + 1)::timestamp at time zone 'UTC'
     ), invoiced as (
       select job_id, sum(total) as amount from invoices
        where job_id in (select id from scoped) and deleted_at is null and status <> all(array[?]::text[]) group by job_id
     ), costs as (
       select job_id, sum(amount) as amount from expenses
        where job_id in (select id from scoped) and deleted_at is null and status <> all(array[?]::text[]) group by job_id
     ), measured as (
       select s.*, coalesce(i.amount, 0) as invoiced, coalesce(c.amount, 0) as costs
       from scoped s left join invoiced i on i.job_id = s.id left join costs c on c.job_id = s.id
     )
     select id as "jobId", title, status, client_id as "clientId",
       to_char(scheduled_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "scheduledStart",
       ${money('estimated')} as "estimatedRevenue", ${money('actual')} as "actualRevenue",
       ${money('invoiced')} as invoiced, ${money('costs')} as costs, ${money('actual - estimated')} as variance,
       ${money('actual - costs')} as profit, ${percent('actual - costs', 'actual')} as "marginPercent",
       (count(*) over ())::int as "totalJobs",
       ${money('sum(estimated) over ()')} as "totalEstimatedRevenue", ${money('sum(actual) over ()')} as "totalActualRevenue",
       ${money('sum(invoiced) over ()')} as "totalInvoiced", ${money('sum(costs) over ()')} as "totalCosts",
       ${money('sum(actual - estimated) over ()')} as "totalVariance", ${money('sum(actual - costs) over ()')} as "totalProfit",
       ${percent('sum(actual - costs) over ()', 'sum(actual) over ()')} as "totalMarginPercent"
     from measured
     order by actual desc, estimated desc, id
     limit ?`,
    [range.from, range.to, statusList(UNISSUED_INVOICE_STATUSES), statusList(CANCELLED_STATUSES), limit],
  );
  const first = rows[0];
  return {
    jobs: rows.map((row) => ({
      jobId: row.jobId,
      title: row.title,
      status: row.status,
      clientId: row.clientId,
      scheduledStart: row.scheduledStart,
      estimatedRevenue: row.estimatedRevenue,
      actualRevenue: row.actualRevenue,
      invoiced: row.invoiced,
      costs: row.costs,
      variance: row.variance,
      profit: row.profit,
      marginPercent: row.marginPercent,
    })),
    totals: {
      jobs: first?.totalJobs ?? 0,
      estimatedRevenue: first?.totalEstimatedRevenue ?? '0.00',
      actualRevenue: first?.totalActualRevenue ?? '0.00',
      invoiced: first?.totalInvoiced ?? '0.00',
      costs: first?.totalCosts ?? '0.00',
      variance: first?.totalVariance ?? '0.00',
      profit: first?.totalProfit ?? '0.00',
      marginPercent: first?.totalMarginPercent ?? null,
    },
  };
}
