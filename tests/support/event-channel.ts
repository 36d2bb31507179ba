import { EVENTS_CHANNEL, type EventEnvelope } from '../../db/event-channel.js';
import { getHarness } from './harness.js';
import { until } from './worker-process.js';

/** Everything published on the realtime events channel while it listens. */
export interface EventChannelListener {
  readonly received: EventEnvelope[];
  waitFor(event: string, matches?: (payload: Record<string, unknown>) => boolean): Promise<EventEnvelope>;
  close(): void;
}

export async function listenToEventChannel(): Promise<EventChannelListener> {
  const subscriber = getHarness().redis.duplicate();
  const received: EventEnvelope[] = [];
  subscriber.on('message', (_channel: string, message: string) => received.push(JSON.parse(message) as EventEnvelope));
  await subscriber.subscribe(EVENTS_CHANNEL);
  const find = (event: string, matches: (payload: Record<string, unknown>) => boolean) =>
    received.find((entry) => entry.event === event && matches(entry.payload));
  return {
    received,
    async waitFor(event, matches = () => true) {
      await until(async () => find(event, matches) !== undefined, `${event} on the events channel`, 30_000);
      return find(event, matches)!;
    },
    close: () => subscriber.disconnect(),
  };
}
