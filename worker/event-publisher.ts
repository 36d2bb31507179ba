import type { Redis } from 'ioredis';
import type { EventPublisher } from '../activities/deps.js';

/** Redis channel the API subscribes to and relays to socket.io; Redis lets several API instances share it. */
export const EVENTS_CHANNEL = 'business-dashboard:events';

export function createRedisEventPublisher(redis: Redis): EventPublisher {
  return {
    async publish(event, payload) {
      await redis.publish(EVENTS_CHANNEL, JSON.stringify({ event, payload, at: new Date().toISOString() }));
    },
  };
}
