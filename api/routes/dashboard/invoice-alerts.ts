import type { EntityManager } from '@mikro-orm/postgresql';
import { NOT_RECEIVABLE_STATUSES, utcDay } from '../../../db/repositories/dashboard-summary.js';
import { roleHas } from '../../auth/permissions.js';
import type { Principal } from '../../state.js';
import { alertId, type OverdueInvoicesAlert } from './alert-types.js';

interface Row {
  count: number;
  amount: string;
  first_due: string | null;
  last_due: string | null;
}

/**
 * One alert for every overdue invoice together (open balance, due before today in UTC), with their count and
 * amount: the same definition as the summary's overdue receivables. Finance roles only.
 */
export async function overdueInvoiceAlerts(
  em: EntityManager,
  principal: Principal,
  now: Date,
): Promise<OverdueInvoicesAlert[]> {
  if (!roleHas(principal.role, 'finances:read')) return [];
  const excluded = NOT_RECEIVABLE_STATUSES.map((status) => `'${status}'`).join(', ');
  const [row] = await em.getConnection().execute<Row[]>(
    `select count(*)::int as count, coalesce(sum(balance), 0)::numeric(14, 2)::text as amount,
            min(due_on)::text as first_due, max(due_on)::text as last_due
       from invoices
      where deleted_at is null and balance > 0 and status not in (${excluded}) and due_on < ?::date`,
    [utcDay(now)],
  );
  if (!row || row.count === 0 || !row.first_due || !row.last_due) return [];
  return [
    {
      id: alertId('finance', 'invoices_overdue'),
      kind: 'finance',
      type: 'invoices_overdue',
      severity: 'warning',
      title: row.count === 1 ? '1 invoice is overdue' : `${row.count} invoices are overdue`,
      count: row.count,
      // The oldest and newest due dates passed, as the start of those UTC days.
      firstAt: `${row.first_due}T00:00:00.000Z`,
      lastAt: `${row.last_due}T00:00:00.000Z`,
      amount: row.amount,
      subject: null,
    },
  ];
}
