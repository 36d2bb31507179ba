import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecuritySeverity } from '../../../db/entities/enums.js';
import type { Principal } from '../../state.js';
import type { Alert, AlertSource } from './alert-types.js';
import { overdueInvoiceAlerts } from './invoice-alerts.js';
import { securityAlerts } from './security-alerts.js';
import { reauthorizationAlerts, syncFailureAlerts } from './sync-alerts.js';

export type { Alert } from './alert-types.js';
export { SECURITY_ALERT_WINDOW_HOURS } from './security-alerts.js';

/**
 * Every source of alerts. Each checks the principal's role itself: security events for admins, overdue invoices
 * for finance roles, sync failures and connections needing re-authorization for anyone who may read syncs.
 */
const ALERT_SOURCES: AlertSource[] = [securityAlerts, syncFailureAlerts, reauthorizationAlerts, overdueInvoiceAlerts];

const RANK: Record<SecuritySeverity, number> = { critical: 0, warning: 1, info: 2 };

/** The alerts the principal may see, most severe first, then the most recent. Sources run in parallel. */
export async function collectAlerts(em: EntityManager, principal: Principal, now = new Date()): Promise<Alert[]> {
  const lists = await Promise.all(ALERT_SOURCES.map((source) => source(em, principal, now)));
  return lists
    .flat()
    .sort(
      (a, b) => RANK[a.severity] - RANK[b.severity] || b.lastAt.localeCompare(a.lastAt) || a.id.localeCompare(b.id),
    );
}
