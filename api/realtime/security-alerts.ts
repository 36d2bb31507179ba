import { SECURITY_EVENT_SEVERITY, type SecurityEventEntry } from '../../db/repositories/security-events.js';
import type { Realtime } from './io.js';

const TITLES: Partial<Record<SecurityEventEntry['type'], string>> = {
  account_locked: 'An account was locked after repeated failed logins',
  refresh_token_reuse: 'A refresh token was reused; the session was revoked',
  webhook_signature_invalid: 'A webhook arrived with a missing or invalid signature',
};

/**
 * Tells connected admins of a critical security event as it is recorded (`alert.created`, kind `security`); the
 * same events head GET /api/dashboard/alerts. Lesser events only go to the log, or a dashboard would be flooded.
 */
export function announceSecurityEvent(realtime: Pick<Realtime, 'announce'>, entry: SecurityEventEntry): void {
  if (SECURITY_EVENT_SEVERITY[entry.type] !== 'critical') return;
  realtime.announce('alert.created', {
    kind: 'security',
    type: entry.type,
    severity: 'critical',
    title: TITLES[entry.type] ?? entry.type.replaceAll('_', ' '),
    subject: { userId: entry.userId ?? null, email: entry.email ?? null, ip: entry.ip ?? null },
  });
}
