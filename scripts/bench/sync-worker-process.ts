import { fork, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the worker process needs, handed over in one environment variable. */
export interface BenchWorkerSettings {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  credentialsKey: string;
  pageSize: number;
  workflowBundlePath: string;
}

export const BENCH_WORKER_ENV = 'BENCH_SYNC_WORKER';

const workerScript = fileURLToPath(new URL('./sync-worker.js', import.meta.url));

export interface WorkerProcess {
  readonly pid: number;
  /** The kernel's high-water mark of the process's resident memory (VmHWM), in MB: its peak since it started. */
  peakRssMb(): number;
  /** Drains the worker and waits for the process to exit. */
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`${field}:`));
  if (!line) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number.parseInt(line.slice(field.length + 1), 10) / 1024;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts a fresh worker process (scripts/bench/sync-worker.ts) and resolves once it polls its task queue. */
export async function startWorkerProcess(settings: BenchWorkerSettings): Promise<WorkerProcess> {
  const child = fork(workerScript, [], {
    // The flags the real worker runs with (npm start), so its memory is what is measured.
    execArgv: [...process.execArgv, ...WORKER_NODE_FLAGS],
    env: { ...process.env, [BENCH_WORKER_ENV]: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message) =>
      message === 'ready' ? resolve() : reject(new Error(`bench worker said ${String(message)}`)),
    );
    child.once('exit', (code) => reject(new Error(`bench worker exited with code ${code} before it was ready`)));
  });
  const pid = child.pid!;
  return {
    pid,
    peakRssMb: () => Math.round(statusField(pid, 'VmHWM')),
    async stop() {
      if (child.exitCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited(child);
      clearTimeout(timer);
      if (code !== 0) throw new Error(`bench worker exited with code ${code}`);
    },
  };
}
