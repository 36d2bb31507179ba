import type { Redis } from 'ioredis';
import type { EventPublisher } from '../activities/deps.js';
import { EVENTS_CHANNEL } from '../db/dashboard-generation.js';

// Redis lets several API instances share the channel; re-exported for the tests that listen on it.
export { EVENTS_CHANNEL };

export function createRedisEventPublisher(redis: Redis): EventPublisher {
  return {
    async publish(event, payload) {
      await redis.publish(EVENTS_CHANNEL, JSON.stringify({ event, payload, at: new Date().toISOString() }));
    },
  };
}
