import type { Redis } from 'ioredis';

/**
 * The Redis channel every realtime event travels on: the worker's activities and the API publish here, and every API
 * instance relays what arrives to its own socket.io clients (api/realtime/relay.ts). The event names and payload
 * schemas are the catalogue in api/realtime/catalogue.ts.
 */
export const EVENTS_CHANNEL = 'business-dashboard:events';

/** One message on the channel. `at` is when it was published (ISO 8601). */
export interface EventEnvelope {
  event: string;
  payload: Record<string, unknown>;
  at: string;
}

/** Publishes one event; resolves once Redis has taken it (delivery to sockets is fire-and-forget from here). */
export async function publishEvent(redis: Redis, event: string, payload: Record<string, unknown>): Promise<void> {
  const envelope: EventEnvelope = { event, payload, at: new Date().toISOString() };
  await redis.publish(EVENTS_CHANNEL, JSON.stringify(envelope));
}
