import type { MikroORM } from '@mikro-orm/postgresql';
import { computeDashboardSummary } from '../../../db/repositories/dashboard-summary.js';
import { roleHas } from '../../auth/permissions.js';
import type { QueryCache } from '../../cache/query-cache.js';
import type { Principal } from '../../state.js';

/** A safety net only: writes and syncs invalidate the summary through the dashboard generation. */
export const SUMMARY_TTL_SECONDS = 300;

/**
 * The summary as cached JSON. Roles differ only in whether they see money, so that is the whole cache key: every
 * viewer shares one entry, every finance role another, and a viewer can never be served the finance entry.
 */
export function readSummary(cache: QueryCache, orm: MikroORM, principal: Principal) {
  const withFinances = roleHas(principal.role, 'finances:read');
  return cache.read(
    'dashboard-summary',
    { finances: withFinances },
    () => computeDashboardSummary(orm.em.fork(), { withFinances }),
    { ttlSeconds: SUMMARY_TTL_SECONDS },
  );
}
