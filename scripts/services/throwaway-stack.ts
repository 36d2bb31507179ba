import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { ephemeralSecrets, type LocalSecrets } from './secrets.js';
import { startStack, type RunningStack, type StackOptions } from './stack.js';

export interface ThrowawayStack {
  readonly stack: RunningStack;
  readonly secrets: LocalSecrets;
  /** The temp folder the services live in (and that `stop` removes). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL, Redis and Temporal on free ports in a temp folder, with fresh secrets, for one test or benchmark run.
 * A service whose address is given in `external` is used instead of starting one.
 */
export async function startThrowawayStack(
  database: string,
  external: StackOptions['external'],
  log: (line: string) => void,
): Promise<ThrowawayStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `${database.replace(/_/g, '-')}-`));
  // The postgres account needs to traverse this folder to reach its cluster inside it.
  chmodSync(dataDir, 0o755);
  const secrets = ephemeralSecrets();
  const stack = await startStack({
    dataDir,
    ports: {
      postgres: await freePort(),
      redis: await freePort(),
      temporal: await freePort(),
      temporalUi: await freePort(),
    },
    passwords: { postgres: secrets.postgresPassword, redis: secrets.redisPassword },
    database,
    external,
    temporalCli: process.env.TEMPORAL_CLI,
    durable: false,
    log,
  });
  return {
    stack,
    secrets,
    dataDir,
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
