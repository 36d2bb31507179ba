import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserRole } from '../../db/entities/enums.js';
import { User } from '../../db/entities/index.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createUser } from './users.js';

/** Contracts: in sandbox mode these three accounts exist, one per role, all with DEMO_PASSWORD. */
export const DEMO_USERS: ReadonlyArray<{ email: string; role: UserRole; displayName: string }> = [
  { email: 'admin@example.com', role: 'admin', displayName: 'Demo Admin' },
  { email: 'user@example.com', role: 'user', displayName: 'Demo User' },
  { email: 'viewer@example.com', role: 'viewer', displayName: 'Demo Viewer' },
];

/**
 * Creates the demo users that are missing and sets the demo password on those whose password differs (so a
 * changed DEMO_PASSWORD takes effect on the next start). Role and active flag an admin changed are left alone.
 */
export async function ensureDemoUsers(em: EntityManager, password: string): Promise<{ created: string[] }> {
  const created: string[] = [];
  for (const demo of DEMO_USERS) {
    const existing = await em.findOne(User, { email: demo.email });
    if (!existing) {
      await createUser(em, { ...demo, password });
      created.push(demo.email);
    } else if (!(await verifyPassword(password, existing.passwordHash))) {
      existing.passwordHash = await hashPassword(password);
      existing.passwordChangedAt = new Date();
      await em.flush();
    }
  }
  return { created };
}
