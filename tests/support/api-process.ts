import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getHarness } from './harness.js';
import { until } from './worker-process.js';

const apiMain = fileURLToPath(new URL('../../api/main.js', import.meta.url));

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * The real API entry point (`npm start` runs the same) as a child process on the harness's services, with the
 * default rate limits, so instances started this way share them as deployed instances do. Resolves once /healthz
 * answers.
 */
export async function spawnApiProcess(taskQueue: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const { config, databaseUrl, redisUrl, temporalAddress } = getHarness();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [apiMain], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: base,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JWT_SECRET: config.jwt.secret,
      CREDENTIALS_KEY: config.credentialsKey,
      LOG_LEVEL: 'silent',
      SANDBOX_MODE: 'off',
      ...env,
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`the API process exited with ${child.exitCode} while starting`);
      return fetch(`${base}/healthz`).then(
        (reply) => reply.ok,
        () => false,
      );
    },
    `the API on ${base}`,
    60_000,
  );
  return {
    child,
    base,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
