import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A local service we started and must stop: Temporal, PostgreSQL, Redis, the API or the worker. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
    this.name = 'ServiceStartError';
  }
}

export interface SpawnServiceOptions {
  name: string;
  command: string;
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Forward output to our stdout as well as the log file (the API and the worker). */
  echo?: boolean;
}

export function spawnService(options: SpawnServiceOptions): ManagedProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  };
  const child = spawn(options.command, options.args, spawnOptions);
  for (const stream of [child.stdout, child.stderr]) {
    stream?.pipe(log, { end: false });
    if (options.echo) stream?.pipe(process.stdout, { end: false });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      log.write(`\n[launcher] ${error.message}\n`);
      resolve(`error: ${error.message}`);
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  }).finally(() => log.end());

  return {
    name: options.name,
    child,
    logFile,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `probe` until it answers true, the process dies, or the time runs out. */
export async function waitUntilReady(
  service: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: number | string | undefined;
  void service.exited.then((code) => {
    died = code;
  });
  while (Date.now() < deadline) {
    if (died !== undefined) {
      throw new ServiceStartError(service.name, `exited (${died}) while starting.\n${tailOf(service.logFile)}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  await service.stop('SIGKILL', 1_000);
  throw new ServiceStartError(
    service.name,
    `not ready after ${Math.round(timeoutMs / 1000)} s.\n${tailOf(service.logFile)}`,
  );
}

export function tailOf(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `Last lines of ${file}:\n${text}`;
  } catch {
    return `(no log at ${file})`;
  }
}
