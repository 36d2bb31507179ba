import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * The finance reports as SQL. Every amount is summed and rounded by PostgreSQL in `numeric` and leaves the database
 * as text with two decimals ('0.00' when nothing matched): JavaScript never adds money. Days are calendar dates in
 * UTC; ranges are inclusive on both ends.
 */

/** An inclusive range of days, YYYY-MM-DD. */
export interface DayRange {
  from: string;
  to: string;
}

/** Cash: income is the payments received. Accrual: income is what was invoiced (by issue date). */
export type IncomeBasis = 'cash' | 'accrual';

/** Invoice statuses that are not revenue: never sent, or cancelled. Vendor spellings, lower-cased by the sync. */
export const UNISSUED_INVOICE_STATUSES: readonly string[] = ['draft', 'void', 'voided'];
/** Invoice statuses nobody is expected to pay any more: settled, cancelled or written off. */
export const CLOSED_INVOICE_STATUSES: readonly string[] = [...UNISSUED_INVOICE_STATUSES, 'paid', 'bad_debt'];
/** Payment and expense statuses that moved no money. */
export const CANCELLED_STATUSES: readonly string[] = ['void', 'voided', 'failed', 'cancelled', 'canceled'];

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;

/** A sum as text with two decimals, '0.00' for nothing. */
export const money = (expression: string) => `round(coalesce(${expression}, 0), 2)::text`;

export interface MonthFigures {
  /** YYYY-MM */
  month: string;
  income: string;
  expenses: string;
  net: string;
}

export interface ProfitAndLoss {
  months: MonthFigures[];
  totals: { income: string; expenses: string; net: string };
}

/** Income, expenses and net per calendar month of the range; months without activity are there with zeros. */
export async function profitAndLoss(em: EntityManager, range: DayRange, basis: IncomeBasis): Promise<ProfitAndLoss> {
  const income =
    basis === 'accrual'
      ? `select date_trunc('month', issued_on)::date as month, sum(total) as amount from invoices
          where issued_on between ?::date and ?::date and deleted_at is null and status <> all(array[?]::text[]) group by 1`
      : `select date_trunc('month', paid_on)::date as month, sum(amount) as amount from payments
          where paid_on between ?::date and ?::date and deleted_at is null and status <> all(array[?]::text[]) group by 1`;
  const rows = await em
    .getConnection()
    .execute<Array<MonthFigures & { totalIncome: string; totalExpenses: string; totalNet: string }>>(
      `with months as (
       select generate_series(date_trunc('month', ?::date), date_trunc('month', ?::date), interval '1 month')::date as month
     ), income as (${income}),
     spent as (
       select date_trunc('month', incurred_on)::date as month, sum(amount) as amount from expenses
        where incurred_on between ?::date and ?::date and deleted_at is null and status <> all(array[?]::text[]) group by 1
     )
     select to_char(m.month, 'YYYY-MM') as month, ${money('i.amount')} as income, ${money('s.amount')} as expenses,
       ${money('coalesce(i.amount, 0) - coalesce(s.amount, 0)')} as net,
       ${money('sum(i.amount) over ()')} as "totalIncome", ${money('sum(s.amount) over ()')} as "totalExpenses",
       ${money('sum(coalesce(i.amount, 0) - coalesce(s.amount, 0)) over ()')} as "totalNet"
     from months m left join income i using (month) left join spent s using (month)
     order by m.month`,
      [
        range.from,
        range.to,
        range.from,
        range.to,
        statusList(basis === 'accrual' ? UNISSUED_INVOICE_STATUSES : CANCELLED_STATUSES),
        range.from,
        range.to,
        statusList(CANCELLED_STATUSES),
      ],
    );
  const first = rows[0];
  return {
    months: rows.map(({ month, income: monthIncome, expenses, net }) => ({
      month,
      income: monthIncome,
      expenses,
      net,
    })),
    totals: {
      income: first?.totalIncome ?? '0.00',
      expenses: first?.totalExpenses ?? '0.00',
      net: first?.totalNet ?? '0.00',
    },
  };
}

export interface AgingBucket {
  bucket: (typeof AGING_BUCKETS)[number];
  count: number;
  amount: string;
}

export interface ReceivablesAging {
  buckets: AgingBucket[];
  total: { count: number; amount: string };
}

/**
 * Open invoices (balance > 0, not closed) issued on or before `asOf` (and on or after `issuedFrom` when given),
 * by days past due at `asOf`: not yet due (or no due date) is `current`. The balance is today's: the database keeps
 * no history of balances, so an invoice paid after `asOf` no longer counts.
 */
export async function receivablesAging(
  em: EntityManager,
  asOf: string,
  issuedFrom?: string,
): Promise<ReceivablesAging> {
  const rows = await em.getConnection().execute<Array<AgingBucket & { totalCount: number; totalAmount: string }>>(
    `with open as (
       select balance, ?::date - due_on as days_late from invoices
        where deleted_at is null and balance > 0 and status <> all(array[?]::text[])
          and ${issuedFrom ? 'issued_on between ?::date and ?::date' : '(issued_on is null or issued_on <= ?::date)'}
     ), bucketed as (
       select balance, case when days_late is null or days_late <= 0 then 'current' when days_late <= 30 then '1-30'
         when days_late <= 60 then '31-60' when days_late <= 90 then '61-90' else '90+' end as bucket from open
     )
     select b.bucket, count(o.balance)::int as count, ${money('sum(o.balance)')} as amount,
       (sum(count(o.balance)) over ())::int as "totalCount", ${money('sum(sum(o.balance)) over ()')} as "totalAmount"
     from unnest(array[?]::text[]) with ordinality as b(bucket, position) left join bucketed o using (bucket)
     group by b.bucket, b.position order by b.position`,
    [
      asOf,
      statusList(CLOSED_INVOICE_STATUSES),
      ...(issuedFrom ? [issuedFrom, asOf] : [asOf]),
      statusList(AGING_BUCKETS),
    ],
  );
  const first = rows[0];
  return {
    buckets: rows.map(({ bucket, count, amount }) => ({ bucket, count, amount })),
    total: { count: first?.totalCount ?? 0, amount: first?.totalAmount ?? '0.00' },
  };
}

/**
 * The values of an `array[?]` placeholder: the query builder expands an array parameter into one placeholder per
 * element (`array[?, ?, ?]`), so the list must not be empty; ours are non-empty constants.
 */
export function statusList(statuses: readonly string[]): string[] {
  return [...statuses];
}
