import type { MikroORM } from '@mikro-orm/postgresql';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/env.js';
import { defaultVendorClients } from '../activities/vendor-clients.js';
import { createCredentialsCipher } from '../db/credentials-cipher.js';
import { openOrm } from '../db/orm.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createRedisEventPublisher } from './event-publisher.js';
import { createWorkerLogger, sdkLoggerOf } from './logger.js';
import { createWorker } from './worker.js';

/** Each closing step (Temporal connection, Redis, database) gets this long; shutdown goes on either way. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

/** What start-up has opened so far: shutdown closes exactly these. */
interface Opened {
  orm?: MikroORM;
  redis?: Redis;
  connection?: NativeConnection;
  worker?: Worker;
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createWorkerLogger('info').fatal({ problems: error.problems }, 'invalid configuration');
    process.exit(1);
  }
}

/**
 * Before anything else of the SDK: its logger (our pino, Core's own lines forwarded to it), the Prometheus exporter,
 * and no signal handling of its own (ours below also covers a signal during start-up, which the SDK's would miss).
 */
function installRuntime(config: Config, logger: Logger): void {
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  const address = config.worker.metricsAddress;
  try {
    Runtime.install({
      logger: sdkLoggerOf(logger),
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: { core: verbose ? 'DEBUG' : 'WARN', other: 'ERROR' }, forward: {} },
        ...(address ? { metrics: { prometheus: { bindAddress: address } } } : {}),
      },
    });
  } catch (error) {
    if (!address) throw error;
    // The likely cause is the exporter's port: name the settings that move or disable it.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason} (metrics on ${address}: WORKER_METRICS_HOST, WORKER_METRICS_PORT, "off" disables)`, {
      cause: error,
    });
  }
  logger.info({ metrics: address ? `http://${address}/metrics` : 'off' }, 'Temporal runtime installed');
}

/** Runs one closing step with a time limit, logging how it went. */
async function closeStep(logger: Logger, step: string, close: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_STEP_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([close(), timeout]);
    if (outcome === 'timeout') logger.warn({ step }, 'shutdown step timed out');
    else logger.info({ step }, 'shutdown step done');
  } catch (error) {
    logger.warn({ err: error, step }, 'shutdown step failed');
  } finally {
    clearTimeout(timer);
  }
}

/** Closes what is open, newest first, then exits; the logger's exit hook flushes the last lines. */
async function closeAndExit(opened: Opened, logger: Logger, code: number): Promise<never> {
  if (opened.connection) await closeStep(logger, 'temporal connection', () => opened.connection!.close());
  if (opened.redis) {
    const redis = opened.redis;
    // QUIT waits for the server; one that never became ready would only make it wait for the timeout.
    await closeStep(logger, 'redis', async () => (redis.status === 'ready' ? redis.quit() : redis.disconnect()));
    redis.disconnect();
  }
  if (opened.orm) await closeStep(logger, 'database', () => opened.orm!.close());
  logger.info({ exitCode: code }, 'worker stopped');
  process.exit(code);
}

function openRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { lazyConnect: true });
  let down = false;
  redis.on('error', (error: Error) => {
    // ioredis reconnects by itself; say so once per outage rather than on every retry.
    if (!down) logger.warn({ err: error }, 'Redis unavailable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    down = false;
  });
  return redis;
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createWorkerLogger(config.logLevel);
  const opened: Opened = {};
  let stopping: NodeJS.Signals | undefined;

  /*
   * A running worker drains: it stops polling, running activities get the grace time, then are cancelled and handed
   * back to Temporal (retried on another worker at once); `run()` below then resolves and the rest is closed. During
   * start-up there is nothing to drain: what is open is closed and the process leaves. A second signal means now.
   */
  const stop = (signal: NodeJS.Signals): void => {
    // Ctrl-C under `npm start` brings SIGINT from the terminal and SIGTERM from the supervisor at once: only the same
    // signal again means "now".
    if (stopping === signal) {
      logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    if (stopping) return;
    stopping = signal;
    const { worker } = opened;
    if (worker?.getState() === 'RUNNING') {
      const { numInFlightActivities, numInFlightWorkflowActivations } = worker.getStatus();
      logger.info(
        { signal, graceMs: config.worker.shutdownGraceMs, numInFlightActivities, numInFlightWorkflowActivations },
        'shutting down: no new tasks; running activities have the grace time to finish, then are handed back',
      );
      worker.shutdown();
    } else {
      logger.info({ signal }, 'signal during start-up: closing what is open');
      void closeAndExit(opened, logger, 0);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    installRuntime(config, logger);
    opened.orm = await openOrm(config.databaseUrl);
    if (stopping) return;
    opened.redis = openRedis(config.redisUrl, logger);
    await opened.redis.connect();
    if (stopping) return;
    opened.connection = await NativeConnection.connect({ address: config.temporal.address });
    if (stopping) return;
    await ensureSearchAttributes(opened.connection, config.temporal.namespace).catch((error: unknown) => {
      // A managed namespace may refuse operator calls; syncs still run, only Web UI filtering is lost.
      logger.warn({ err: error }, 'could not register search attributes');
    });
    const worker = await createWorker({
      connection: opened.connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      shutdownGraceMs: config.worker.shutdownGraceMs,
      deps: {
        orm: opened.orm,
        events: createRedisEventPublisher(opened.redis),
        redis: opened.redis,
        credentials: createCredentialsCipher(config.credentialsKey),
        vendors: defaultVendorClients(),
        publicBaseUrl: config.publicBaseUrl,
      },
    });
    if (stopping) return;
    opened.worker = worker;
    logger.info(
      { taskQueue: config.temporal.taskQueue, temporalAddress: config.temporal.address },
      'worker polling its task queue',
    );
    await worker.run(); // resolves once shutdown() has drained in-flight tasks
    logger.info('worker drained');
    await closeAndExit(opened, logger, 0);
  } catch (error) {
    // Once a signal has started the shutdown, a start-up step failing on a closed resource is expected.
    if (stopping && !opened.worker) return;
    logger.fatal({ err: error }, stopping ? 'worker did not stop in time' : 'worker failed');
    await closeAndExit(opened, logger, 1);
  }
}

await main();
