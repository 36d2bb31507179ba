import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { execFileAsync, which } from './commands.js';
import { ServiceStartError, spawnService, waitUntilReady, type ManagedProcess } from './managed-process.js';
import { isPortFree } from './ports.js';

/** The last CLI tag whose go.mod has no `replace` directive, so `go install …@version` accepts it. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

function goBinDir(): string | undefined {
  if (!which('go')) return undefined;
  const result = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const [gobin, gopath] = result.stdout.split('\n').map((line) => line.trim());
  return gobin || (gopath ? join(gopath.split(':')[0] ?? gopath, 'bin') : undefined);
}

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI, then PATH, then Go's bin folder; otherwise builds it from the Go
 * module proxy (several minutes the first time, cached afterwards).
 */
export async function ensureTemporalCli(
  explicitPath: string | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (explicitPath) {
    if (!existsSync(explicitPath))
      throw new ServiceStartError('Temporal', `TEMPORAL_CLI=${explicitPath} does not exist.`);
    return explicitPath;
  }
  const onPath = which('temporal');
  if (onPath) return onPath;
  const binDir = goBinDir();
  if (!binDir) {
    throw new ServiceStartError(
      'Temporal',
      'the `temporal` CLI is not on PATH and Go is not installed to build it. Install Go >= 1.25 ' +
        `and run \`go install ${CLI_MODULE}\`, or set TEMPORAL_ADDRESS to an existing server.`,
    );
  }
  const cached = join(binDir, 'temporal');
  if (existsSync(cached)) return cached;
  log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (first run only, takes several minutes)`);
  const ldflags = `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
  const code = await new Promise<number | null>((resolve) => {
    const build = spawn('go', ['install', '-ldflags', ldflags, CLI_MODULE], {
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    build.once('error', () => resolve(-1));
    build.once('exit', resolve);
  });
  if (code !== 0 || !existsSync(cached)) {
    throw new ServiceStartError(
      'Temporal',
      `\`go install ${CLI_MODULE}\` failed (exit ${code}); see the output above. ` +
        'Set TEMPORAL_ADDRESS to use an existing server instead.',
    );
  }
  return cached;
}

export interface DevServerOptions {
  cli: string;
  port: number;
  uiPort: number;
  /** SQLite file that keeps history across restarts; in memory when absent (tests). */
  dbFile?: string;
  logDir: string;
  /** Closed workflows are kept this long (the dev server's own default is 24 h). */
  retention?: string;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  for (const [port, flag] of [
    [options.port, 'TEMPORAL_PORT'],
    [options.uiPort, 'TEMPORAL_UI_PORT'],
  ] as const) {
    if (!(await isPortFree(port))) {
      throw new ServiceStartError(
        'Temporal',
        `port ${port} is already in use. Stop what holds it, choose another with ${flag}, or set TEMPORAL_ADDRESS.`,
      );
    }
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push('--ui-port', String(options.uiPort), '--log-level', 'warn', '--log-format', 'json');
  // Eager activities: an activity scheduled by a workflow task comes back with that task's reply instead of a trip
  // through the matching service (per sync page: ~40 ms of queueing → ~0). Turn it on in production servers too.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  if (options.dbFile) {
    mkdirSync(join(options.dbFile, '..'), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const address = `127.0.0.1:${options.port}`;
  const child = spawnService({ name: 'temporal', command: options.cli, args, logDir: options.logDir });
  await waitUntilReady(child, () => isServing(address), 60_000);
  if (options.retention) {
    await execFileAsync(options.cli, [
      'operator',
      'namespace',
      'update',
      '--address',
      address,
      '--retention',
      options.retention,
      'default',
    ]);
  }
  return {
    address,
    uiUrl: `http://localhost:${options.uiPort}`,
    process: child,
    stop: () => child.stop('SIGTERM', 20_000),
  };
}

async function isServing(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } finally {
    await connection.close();
  }
}
