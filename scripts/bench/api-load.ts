import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { REFERENCE_API_ENV, REFERENCE_KIND_ENV, type ReferenceKind } from './api-references.js';
import { latencySummary } from './webhooks-figures.js';

/** One endpoint's figures under load. */
export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  token?: string;
}

/**
 * Closed-loop load with autocannon (`connections` keep-alive connections, each sending its next request when the
 * previous answers) for `seconds`, after a 2 s warm-up whose figures are dropped.
 */
export async function loadEndpoint(url: string, options: LoadOptions): Promise<LoadFigures> {
  const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
  await autocannon({ url, connections: options.connections, duration: 2, headers });
  const result = await autocannon({ url, connections: options.connections, duration: options.seconds, headers });
  return {
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Latency percentiles of `samples` sequential requests, each preceded by `before` (e.g. an invalidation). */
export async function sequentialLatency(
  samples: number,
  before: () => Promise<unknown>,
  request: () => Promise<Response>,
): Promise<LoadFigures & { cacheMisses: number }> {
  const latencies: number[] = [];
  let non2xx = 0;
  let cacheMisses = 0;
  for (let index = 0; index < samples; index += 1) {
    await before();
    const started = performance.now();
    const reply = await request();
    await reply.arrayBuffer();
    latencies.push(performance.now() - started);
    if (!reply.ok) non2xx += 1;
    if (reply.headers.get('x-cache') === 'miss') cacheMisses += 1;
  }
  const summary = latencySummary(latencies);
  const total = latencies.reduce((sum, value) => sum + value, 0);
  return {
    requests: samples,
    requestsPerSecond: Math.round((samples * 1000) / total),
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    maxMs: summary.maxMs,
    non2xx,
    errors: 0,
    cacheMisses,
  };
}

const bareScript = fileURLToPath(new URL('./api-bare-koa.js', import.meta.url));

/**
 * Starts a reference Koa app (api-bare-koa.ts) in a child process; resolves with its URL and a stop function. The
 * verifying kinds need the API's environment, to check its tokens with its key and options.
 */
export async function startReferenceApp(
  kind: ReferenceKind,
  apiEnv: Record<string, string>,
): Promise<{ url: string; stop(): void }> {
  const child = fork(bareScript, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [REFERENCE_KIND_ENV]: kind, [REFERENCE_API_ENV]: JSON.stringify(apiEnv) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`reference app ${kind} exited with code ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.send('stop') };
}
