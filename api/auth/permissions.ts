import type { UserRole } from '../../db/entities/enums.js';

/*
 * The role matrix (README "Roles and permissions" prints the same table; a test keeps the two equal).
 *
 * - viewer: reads the dashboard, clients, jobs, messages and sync status; changes nothing.
 * - user: a field tech or office helper: also writes clients and messages, and changes jobs, but only the jobs
 *   assigned to them (checked per job in the handlers, see `canChangeJob`).
 * - admin: the owner: everything, including money, vendor connections, running syncs, users, API keys and the
 *   security log.
 */
export const PERMISSIONS = {
  'dashboard:read': ['admin', 'user', 'viewer'],
  'clients:read': ['admin', 'user', 'viewer'],
  'clients:write': ['admin', 'user'],
  'jobs:read': ['admin', 'user', 'viewer'],
  'jobs:write': ['admin', 'user'],
  'messages:read': ['admin', 'user', 'viewer'],
  'messages:send': ['admin', 'user'],
  'syncs:read': ['admin', 'user', 'viewer'],
  'syncs:run': ['admin'],
  'finances:read': ['admin'],
  'finances:write': ['admin'],
  'connections:read': ['admin'],
  'connections:manage': ['admin'],
  'users:manage': ['admin'],
  'api-keys:manage': ['admin'],
  'security-events:read': ['admin'],
} as const satisfies Record<string, readonly UserRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHas(role: UserRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly UserRole[]).includes(role);
}

/** A job's own rule: admins change any job, users only those assigned to them, viewers none. */
export function canChangeJob(actor: { role: UserRole; userId: string | null }, job: { assignedTo: string[] }): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role !== 'user' || actor.userId === null) return false;
  return job.assignedTo.includes(actor.userId);
}
