import { fork, type ChildProcess } from 'node:child_process';
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
