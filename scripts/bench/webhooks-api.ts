import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../api/logger.js';
import { startServer } from '../../api/server.js';
import { BENCH_API_ENV, type BenchApiSettings } from './webhooks-api-process.js';

/*
 * The webhook benchmark's API, in a process of its own so the load generator's event loop does not add to the
 * latency it measures: the real `startServer` on a Config read by `loadConfig` from the environment the parent
 * hands over, with a webhook rate limit the burst cannot reach (in a Redis namespace of its own) and no periodic
 * sync schedules (they would start syncs next to the ones the webhooks ask for). Driven over IPC
 * (webhooks-api-process.ts): it sends `{ ready, port }` once listening, and closes and exits on `stop`.
 */

async function main(): Promise<void> {
  const settings = JSON.parse(process.env[BENCH_API_ENV] ?? '') as BenchApiSettings;
  const config = loadConfig(settings.env);
  const server = await startServer(config, createLogger(config.logLevel), {
    rateLimits: {
      webhooks: { max: settings.webhooksPerMinute, namespace: settings.rateLimitNamespace },
      ...(settings.globalPerMinute
        ? { global: { max: settings.globalPerMinute, namespace: `${settings.rateLimitNamespace}-global` } }
        : {}),
    },
    syncSchedules: false,
  });
  const stopped = new Promise<void>((resolve) => {
    process.on('message', (message) => {
      if (message === 'stop') resolve();
    });
    // The parent going away must not leave an API listening forever.
    process.on('disconnect', () => resolve());
  });
  process.send?.({ ready: true, port: server.port });
  await stopped;
  await server.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench api:', error);
    process.exit(1);
  },
);
