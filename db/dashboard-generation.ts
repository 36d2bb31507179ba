import type { Redis } from 'ioredis';
import { publishEvent } from './event-channel.js';

// Kept here too: the cache's generation tracker and its tests listen for `dashboard.invalidated` on this channel.
export { EVENTS_CHANNEL } from './event-channel.js';

/**
 * The dashboard data's generation: one counter that every change to dashboard-visible data (an API write, a sync
 * that stored records) increments. Cached dashboard and report answers remember the generation they were computed
 * at and are used only while it is still current, so one INCR invalidates every cached answer on every API
 * instance at once, with no key scan and no race between a write and a cache fill.
 */
export const DASHBOARD_GENERATION_KEY = 'business-dashboard:dashboard:generation';

/** What changed, for the `dashboard.invalidated` event (the dashboard may refetch only what it shows). */
export interface DashboardChange {
  /** `clients`, `jobs`, `invoices`, `payments`, `expenses`, `sync`, … */
  scope: string;
  /** The changed record's id, or the sync's workflow id. */
  id?: string;
}

/** Told of every invalidation made by this process, at once (other processes' arrive over Redis pub/sub). */
export type LocalInvalidationListener = (generation: number) => void;
const localListeners = new Set<LocalInvalidationListener>();

/** Registers a listener for this process's own invalidations; returns its removal. */
export function onLocalInvalidation(listener: LocalInvalidationListener): () => void {
  localListeners.add(listener);
  return () => localListeners.delete(listener);
}

/** Invalidates every cached dashboard and report answer and announces it as `dashboard.invalidated`. */
export async function invalidateDashboard(redis: Redis, change: DashboardChange): Promise<number> {
  const generation = await redis.incr(DASHBOARD_GENERATION_KEY);
  // Before the publish: a write answered by this process is never followed by its own stale cached answer.
  for (const listener of localListeners) listener(generation);
  await publishEvent(redis, 'dashboard.invalidated', { ...change, generation });
  return generation;
}
