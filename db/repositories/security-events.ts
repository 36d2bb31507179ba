import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SecuritySeverity } from '../entities/enums.js';
import { SecurityEvent } from '../entities/security-event.js';

/** Every kind of security event, with the severity it is recorded at. */
export const SECURITY_EVENT_SEVERITY = {
  login_succeeded: 'info',
  login_failed: 'warning',
  account_locked: 'critical',
  logout: 'info',
  password_changed: 'info',
  refresh_token_reuse: 'critical',
  refresh_token_race: 'info',
  rate_limited: 'warning',
  permission_denied: 'warning',
  webhook_signature_invalid: 'critical',
  user_created: 'info',
  user_updated: 'info',
  user_deactivated: 'warning',
  api_key_created: 'info',
  api_key_revoked: 'info',
} as const satisfies Record<string, SecuritySeverity>;

export type SecurityEventType = keyof typeof SECURITY_EVENT_SEVERITY;
export const SECURITY_EVENT_TYPES = Object.keys(SECURITY_EVENT_SEVERITY) as SecurityEventType[];

export interface SecurityEventEntry {
  type: SecurityEventType;
  userId?: string | null;
  email?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends one security event with a native insert. Pass an EntityManager outside any transaction when the event
 * must outlive a rollback (a refused login is recorded although nothing else of it is kept).
 */
export async function recordSecurityEvent(em: EntityManager, entry: SecurityEventEntry): Promise<void> {
  await em.insert(SecurityEvent, {
    id: randomUUID(),
    // Set here (millisecond precision) rather than by now() (microseconds), so list cursors round-trip exactly.
    createdAt: new Date(),
    type: entry.type,
    severity: SECURITY_EVENT_SEVERITY[entry.type],
    user: entry.userId ?? null,
    email: entry.email ?? null,
    ip: entry.ip?.slice(0, 64) ?? null,
    userAgent: entry.userAgent?.slice(0, 1000) ?? null,
    details: entry.details ?? null,
  });
}
