import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecuritySeverity } from '../../../db/entities/enums.js';
import type { Principal } from '../../state.js';

/** What every alert has, whatever raised it. */
interface AlertBase {
  /** Stable for the same group, so a dashboard can remember which alerts it has shown. */
  id: string;
  severity: SecuritySeverity;
  title: string;
  count: number;
  firstAt: string;
  lastAt: string;
}

export interface SecurityAlert extends AlertBase {
  kind: 'security';
  type: string;
  subject: { email: string | null; ip: string | null; userId: string | null };
}

export interface SyncFailureAlert extends AlertBase {
  kind: 'sync';
  type: 'sync_failed';
  subject: { connectionId: string; vendor: string; resource: string | null; workflowId: string | null };
  /** The latest failure's reason. */
  error: string | null;
}

export interface ReauthorizationAlert extends AlertBase {
  kind: 'connection';
  type: 'needs_reauth';
  subject: { connectionId: string; vendor: string; displayName: string | null };
}

export interface OverdueInvoicesAlert extends AlertBase {
  kind: 'finance';
  type: 'invoices_overdue';
  /** Open balance of the overdue invoices, a decimal string. */
  amount: string;
  subject: null;
}

export type Alert = SecurityAlert | SyncFailureAlert | ReauthorizationAlert | OverdueInvoicesAlert;

/** One kind of alert: decides for itself whether the principal may see it. */
export type AlertSource = (em: EntityManager, principal: Principal, now: Date) => Promise<Alert[]>;

/** A stable alert id from the parts that identify its group. */
export function alertId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);
}

export function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
