import type { Redis } from 'ioredis';
import type { EventPublisher } from '../activities/deps.js';
import { publishEvent } from '../db/event-channel.js';

// Re-exported for the tests that listen on the channel.
export { EVENTS_CHANNEL } from '../db/event-channel.js';

/** The activities' publisher: every API instance relays what it publishes to its socket.io clients. */
export function createRedisEventPublisher(redis: Redis): EventPublisher {
  return {
    publish: (event, payload) => publishEvent(redis, event, payload),
  };
}
