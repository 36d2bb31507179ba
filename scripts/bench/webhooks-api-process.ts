import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the API process needs, handed over in one environment variable. */
export interface BenchApiSettings {
  /** The variables `loadConfig` reads (config/env.ts), as an environment would give them. */
  env: Record<string, string>;
  /** The webhook limit per source and IP per minute (the default, 100, is proven by tests/api/rate-limit.test.ts). */
  webhooksPerMinute: number;
  /** The limit per user or IP on the rest of the API; the default (RATE_LIMITS.global) when absent. */
  globalPerMinute?: number;
  rateLimitNamespace: string;
}

export const BENCH_API_ENV = 'BENCH_WEBHOOKS_API';

/** Where a benchmark's API process finds the services, as `loadConfig` reads them from an environment. */
export interface BenchApiServices {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  namespace: string;
  credentialsKey: string;
}

/**
 * The environment of a benchmark's API on 127.0.0.1:`port`, its public origin its own address (Twilio signs the URL
 * it posts to). Sandbox mode is off: the sandbox listens on free ports, not where sandbox mode's built-in apps
 * point, so receivers take their keys from the stored connections only, as with real vendors.
 */
export function benchApiEnv(services: BenchApiServices, port: number, taskQueue: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_NAMESPACE: services.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    JWT_SECRET: randomBytes(32).toString('hex'),
    CREDENTIALS_KEY: services.credentialsKey,
    LOG_LEVEL: 'info',
    SANDBOX_MODE: 'off',
  };
}

const apiScript = fileURLToPath(new URL('./webhooks-api.js', import.meta.url));

export interface ApiProcess {
  readonly pid: number;
  readonly port: number;
  /** Closes the server (in-flight requests finish) and waits for the process to exit. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts the API (scripts/bench/webhooks-api.ts) in a child process and resolves once it listens. Its stdout and
 * stderr (pino's JSON lines, one per request at `info`) go to `logFile`, as `npm start` keeps them in `logs/api.log`.
 */
export async function startApiProcess(settings: BenchApiSettings, logFile: string): Promise<ApiProcess> {
  const log = openSync(logFile, 'a');
  const child = fork(apiScript, [], {
    execArgv: [
      ...process.execArgv,
      ...(process.env.BENCH_API_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROF}`] : []),
    ],
    env: { ...process.env, [BENCH_API_ENV]: JSON.stringify(settings) },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => {
      const ready = message as { ready?: boolean; port?: number };
      if (ready.ready && ready.port) resolve(ready.port);
      else reject(new Error(`bench api said ${JSON.stringify(message)}`));
    });
    child.once('exit', (code) => {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
      reject(new Error(`bench api exited with code ${code} before it was ready:\n${tail}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited(child);
      clearTimeout(timer);
      if (code !== 0) throw new Error(`bench api exited with code ${code}; see ${logFile}`);
    },
  };
}
