import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/env.js';
import { loadStackConfig } from '../config/stack.js';
import { migrateDatabase } from './migrate.js';
import { spawnService, type ManagedProcess } from './services/managed-process.js';
import { loadOrCreateSecrets } from './services/secrets.js';
import { startStack, type RunningStack } from './services/stack.js';

const log = (line: string) => console.log(`[start] ${line}`);
const distRoot = fileURLToPath(new URL('..', import.meta.url));

/** `npm start`: the services, migrations, the API and the worker; Ctrl-C stops all of it. */
async function main(): Promise<void> {
  const stackConfig = loadStackConfig();
  const secrets = loadOrCreateSecrets(stackConfig.dataDir);
  log(`data directory: ${stackConfig.dataDir}`);
  const stack = await startStack({
    dataDir: stackConfig.dataDir,
    ports: {
      postgres: stackConfig.postgresPort,
      redis: stackConfig.redisPort,
      temporal: stackConfig.temporalPort,
      temporalUi: stackConfig.temporalUiPort,
    },
    passwords: { postgres: secrets.postgresPassword, redis: secrets.redisPassword },
    database: 'business_dashboard',
    external: stackConfig.external,
    ...(stackConfig.temporalCli ? { temporalCli: stackConfig.temporalCli } : {}),
    durable: true,
    log,
  });
  const children: ManagedProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await Promise.allSettled(children.map((child) => child.stop('SIGTERM', 15_000)));
    await stack.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const applied = await migrateDatabase(stack.databaseUrl);
    log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    const env = {
      ...process.env,
      PORT: String(stackConfig.apiPort),
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      JWT_SECRET: process.env.JWT_SECRET ?? secrets.jwtSecret,
      CREDENTIALS_KEY: process.env.CREDENTIALS_KEY ?? secrets.credentialsKey,
    };
    const logDir = join(stackConfig.dataDir, 'logs');
    for (const [name, entry] of [
      ['worker', 'worker/main.js'],
      ['api', 'api/main.js'],
    ] as const) {
      const child = spawnService({
        name,
        command: process.execPath,
        args: [join(distRoot, entry)],
        env,
        logDir,
        echo: true,
      });
      children.push(child);
      void child.exited.then((code) => {
        if (!stopping) {
          log(`${name} exited unexpectedly (${code}); see ${child.logFile}`);
          void shutdown(1);
        }
      });
    }
    await waitForApi(stackConfig.apiPort, logDir);
    printBanner(stack, stackConfig.apiPort, stackConfig.dataDir);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
  }
}

async function waitForApi(port: number, logDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`API: not ready on port ${port} after 60 s; see ${join(logDir, 'api.log')}`);
}

function printBanner(stack: RunningStack, apiPort: number, dataDir: string): void {
  const lines = [
    `API            http://localhost:${apiPort}  (health: /healthz, readiness: /readyz)`,
    `Temporal       ${stack.temporalAddress}${stack.temporalUiUrl ? `  Web UI: ${stack.temporalUiUrl}` : ''}`,
    `PostgreSQL     ${redact(stack.databaseUrl)}`,
    `Redis          ${redact(stack.redisUrl)}`,
    `Data and logs  ${dataDir}`,
    'Press Ctrl-C to stop everything.',
  ];
  console.log(`\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
