import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags.js';
import { getHarness } from './harness.js';

const workerMain = fileURLToPath(new URL('../../worker/main.js', import.meta.url));

export interface WorkerProcessOptions {
  /** Pipe the worker's stdout and stderr to the test (`child.stdout`) instead of dropping them. */
  readonly captureOutput?: boolean;
}

/**
 * The real worker entry point (`npm start` runs the same) as a child process polling `taskQueue`, so a test can
 * kill it with SIGKILL the way a crashed machine would die. Its Prometheus exporter is off unless `env` gives it a
 * port (WORKER_METRICS_PORT): several test workers run at once and would fight over the default one.
 */
export function spawnWorkerProcess(
  taskQueue: string,
  env: Record<string, string> = {},
  options: WorkerProcessOptions = {},
): ChildProcess {
  const { config, databaseUrl, redisUrl, temporalAddress } = getHarness();
  return spawn(process.execPath, [...WORKER_NODE_FLAGS, workerMain], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JWT_SECRET: config.jwt.secret,
      CREDENTIALS_KEY: config.credentialsKey,
      LOG_LEVEL: 'silent',
      WORKER_METRICS_PORT: 'off',
      ...env,
    },
    // The worker's own logs (bundling, shutdown) would drown the test report, unless the test reads them.
    stdio: options.captureOutput ? ['ignore', 'pipe', 'pipe'] : 'ignore',
  });
}

/** Kills with SIGKILL and waits for the exit. */
export async function killWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls until `condition` holds, failing with `what` after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
