import type { MikroORM } from '@mikro-orm/postgresql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Realtime } from '../realtime/io.js';
import { registerSyncGauges } from './sync-gauges.js';

/** The API's Prometheus series; one set per app, so tests that build many apps in one process never share counts. */
export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly webhookDeliveries: Counter<'source' | 'outcome'>;
  readonly webhookEvents: Counter<'source' | 'outcome'>;
  readonly rateLimitRejections: Counter<'limiter'>;
}

/** socket.io's figures live in the realtime layer (it exists before the app); read when scraped. */
function registerRealtimeSeries(registry: Registry, realtime: Pick<Realtime, 'stats'>): void {
  new Gauge({
    name: 'realtime_sockets',
    help: 'socket.io clients connected to this API instance',
    registers: [registry],
    collect() {
      this.set(realtime.stats().sockets);
    },
  });
  new Counter({
    name: 'realtime_events_total',
    help: 'Realtime events by name, path (relay: from the events channel; announce: raised by the API) and outcome',
    labelNames: ['event', 'path', 'outcome'] as const,
    registers: [registry],
    collect() {
      // The realtime layer keeps the running totals; the counter mirrors them at each scrape.
      this.reset();
      for (const { event, path, outcome, count } of realtime.stats().events) this.inc({ event, path, outcome }, count);
    },
  });
}

export function createApiMetrics({
  orm,
  logger,
  realtime,
}: {
  orm: MikroORM;
  logger: Logger;
  realtime: Pick<Realtime, 'stats'>;
}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  registerSyncGauges(registry, orm, logger);
  registerRealtimeSeries(registry, realtime);
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to response sent, by route template (unmatched: no route) and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook requests by sender and outcome (accepted, duplicate, a refusal reason, rate_limited, ...)',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Events inside verified webhook deliveries: accepted (handed to a workflow), duplicate or handoff_failed',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429, by the limit that refused them (global, auth, webhooks)',
      labelNames: ['limiter'] as const,
      registers,
    }),
  };
}
