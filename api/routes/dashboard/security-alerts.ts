import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecuritySeverity } from '../../../db/entities/enums.js';
import type { SecurityEventType } from '../../../db/repositories/security-events.js';
import { roleHas } from '../../auth/permissions.js';
import type { Principal } from '../../state.js';
import { alertId, isoOf, type SecurityAlert } from './alert-types.js';

/** How far back security events become alerts. */
export const SECURITY_ALERT_WINDOW_HOURS = 24;
const MAX_SECURITY_ALERTS = 50;

const TITLES: Partial<Record<SecurityEventType, string>> = {
  login_failed: 'Failed sign-ins',
  account_locked: 'Account locked after repeated failed sign-ins',
  refresh_token_reuse: 'A session token was replayed; the session was ended',
  rate_limited: 'Rate limit exceeded',
  permission_denied: 'Access refused',
  webhook_signature_invalid: 'Webhook with an invalid signature refused',
  user_deactivated: 'User deactivated',
};

interface Row {
  type: string;
  severity: SecuritySeverity;
  email: string;
  ip: string;
  user_id: string | null;
  count: number;
  first_at: Date;
  last_at: Date;
}

/**
 * Warning and critical security events of the last day, one alert per kind and subject (email or IP) rather
 * than one per event, so fifty failed logins from one address are one line. Admins only.
 */
export async function securityAlerts(em: EntityManager, principal: Principal, now: Date): Promise<SecurityAlert[]> {
  if (!roleHas(principal.role, 'security-events:read')) return [];
  const since = new Date(now.getTime() - SECURITY_ALERT_WINDOW_HOURS * 3600_000);
  const rows = await em.getConnection().execute<Row[]>(
    `select type, severity, coalesce(email, '') as email, coalesce(ip, '') as ip,
            (array_agg(user_id order by created_at desc))[1] as user_id,
            count(*)::int as count, min(created_at) as first_at, max(created_at) as last_at
       from security_events
      where created_at > ? and severity in ('warning', 'critical')
      group by type, severity, coalesce(email, ''), coalesce(ip, '')
      order by max(created_at) desc
      limit ?`,
    [since, MAX_SECURITY_ALERTS],
  );
  return rows.map((row) => ({
    id: alertId('security', row.type, row.email, row.ip),
    kind: 'security',
    type: row.type,
    severity: row.severity,
    title: TITLES[row.type as SecurityEventType] ?? row.type,
    count: row.count,
    firstAt: isoOf(row.first_at),
    lastAt: isoOf(row.last_at),
    subject: { email: row.email || null, ip: row.ip || null, userId: row.user_id },
  }));
}
