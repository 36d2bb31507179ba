import { join } from 'node:path';
import { startLocalPostgres, type LocalPostgres } from './postgres.js';
import { startLocalRedis, type LocalRedis } from './redis.js';
import { ensureTemporalCli, startTemporalDevServer, type DevServer } from './temporal.js';

export interface StackOptions {
  dataDir: string;
  ports: { postgres: number; redis: number; temporal: number; temporalUi: number };
  passwords: { postgres: string; redis: string };
  database: string;
  /** Given from outside: these services are used as they are and never started or stopped here. */
  external: { databaseUrl?: string; redisUrl?: string; temporalAddress?: string };
  temporalCli?: string;
  /** `npm start` keeps data across restarts; tests run on throwaway, faster settings. */
  durable: boolean;
  log: (line: string) => void;
}

export interface RunningStack {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly temporalAddress: string;
  readonly temporalUiUrl?: string;
  readonly postgres?: LocalPostgres;
  readonly redis?: LocalRedis;
  readonly temporal?: DevServer;
  stop(): Promise<void>;
}

/** Starts whatever PostgreSQL, Redis and Temporal the environment does not already provide, all at once. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const logDir = join(options.dataDir, 'logs');
  const { external } = options;
  const started: { stop(): Promise<void> }[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service);
    return service;
  };
  const stopAll = async () => {
    await Promise.allSettled(started.splice(0).map((service) => service.stop()));
  };

  const results = await Promise.allSettled([
    external.databaseUrl
      ? undefined
      : startLocalPostgres({
          dataDir: options.dataDir,
          logDir,
          port: options.ports.postgres,
          password: options.passwords.postgres,
          database: options.database,
          durable: options.durable,
          log: options.log,
        }).then(track),
    external.redisUrl
      ? undefined
      : startLocalRedis({
          dataDir: options.dataDir,
          logDir,
          port: options.ports.redis,
          password: options.passwords.redis,
          durable: options.durable,
          log: options.log,
        }).then(track),
    external.temporalAddress
      ? undefined
      : ensureTemporalCli(options.temporalCli, options.log).then((cli) =>
          startTemporalDevServer({
            cli,
            port: options.ports.temporal,
            uiPort: options.ports.temporalUi,
            logDir,
            ...(options.durable
              ? { dbFile: join(options.dataDir, 'temporal', 'dev-server.sqlite'), retention: '720h' }
              : {}),
          }).then(track),
        ),
  ]);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) {
    await stopAll();
    throw failures.length === 1
      ? failures[0]?.reason
      : new AggregateError(
          failures.map((f) => f.reason),
          'services failed to start',
        );
  }
  const [postgres, redis, temporal] = results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [
    LocalPostgres | undefined,
    LocalRedis | undefined,
    DevServer | undefined,
  ];
  return {
    databaseUrl: external.databaseUrl ?? postgres!.url,
    redisUrl: external.redisUrl ?? redis!.url,
    temporalAddress: external.temporalAddress ?? temporal!.address,
    ...(temporal ? { temporalUiUrl: temporal.uiUrl } : {}),
    ...(postgres ? { postgres } : {}),
    ...(redis ? { redis } : {}),
    ...(temporal ? { temporal } : {}),
    stop: stopAll,
  };
}
