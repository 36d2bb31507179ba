import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/env.js';
import { VendorConnection } from '../db/entities/index.js';
import { openOrm } from '../db/orm.js';
import { workflowStartLogging } from '../temporal/client-interceptors.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { syncResourcesOf } from '../temporal/sync-catalog.js';
import { ensureSyncSchedules } from '../temporal/sync-schedules.js';
import { createApp, type AppOptions } from './app.js';
import type { AppDeps } from './deps.js';
import { currentRequestId } from './request-context.js';
import { createRealtime } from './realtime/io.js';

export interface RunningServer {
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes socket.io, ORM, Redis, Temporal (≤ 10 s). */
  close(): Promise<void>;
}

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Waits for `work` at most `ms`; shutdown goes on either way, and a failure is only logged. */
async function settle(name: string, work: Promise<unknown>, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0));
  });
  try {
    if ((await Promise.race([work, timeout])) === 'timeout') logger.warn({ step: name }, 'shutdown step timed out');
  } catch (error) {
    logger.warn({ err: error, step: name }, 'shutdown step failed');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fails fast when Redis is away instead of queueing commands: a request (rate limit) or a readiness probe
 * gets an error at once, and ioredis keeps reconnecting in the background.
 */
function openRedis(url: string, logger: Logger): Promise<Redis> {
  // Auto-pipelining sends the commands concurrent requests issue in one tick (denylist check, rate limit, cache
  // read) as one write: on a busy API, socket writes were the largest cost of a cached answer.
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  return redis.connect().then(
    () => redis,
    (error: unknown) => {
      redis.disconnect();
      throw error;
    },
  );
}

async function closeDeps(deps: Partial<AppDeps>, deadline: number, logger: Logger): Promise<void> {
  const left = (): number => deadline - Date.now();
  if (deps.orm) await settle('orm', deps.orm.close(), left(), logger);
  if (deps.redis) {
    const redis = deps.redis;
    await settle('redis', redis.quit(), left(), logger);
    redis.disconnect();
  }
  if (deps.temporal?.probeConnection)
    await settle('temporal probe', deps.temporal.probeConnection.close(), left(), logger);
  if (deps.temporal) await settle('temporal', deps.temporal.connection.close(), left(), logger);
}

/** Builds the dependencies, closing whatever was already opened if a later one cannot be reached. */
async function openDeps(config: Config, logger: Logger): Promise<Omit<AppDeps, 'realtime'>> {
  const opened: { -readonly [K in keyof AppDeps]?: AppDeps[K] } = { config, logger };
  try {
    opened.orm = await openOrm(config.databaseUrl);
    opened.redis = await openRedis(config.redisUrl, logger);
    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      interceptors: { workflow: [workflowStartLogging(logger, currentRequestId)] },
    });
    opened.temporal = { connection, client };
    // No retry interceptor: see AppDeps.temporal.probeConnection.
    const probeConnection = await Connection.connect({ address: config.temporal.address, interceptors: [] });
    opened.temporal = { connection, client, probeConnection };
    return opened as Omit<AppDeps, 'realtime'>;
  } catch (error) {
    await closeDeps(opened, Date.now() + SHUTDOWN_TIMEOUT_MS, logger);
    throw error;
  }
}

/**
 * Brings every connection's periodic sync schedules in line with the database (a changed interval, a connection
 * that needs re-authorization). In the background: schedules are not needed to serve requests.
 */
async function keepSyncSchedules({ orm, temporal, config, logger }: AppDeps): Promise<void> {
  try {
    // The schedules' actions carry our search attributes; on a fresh server the worker may not have registered them yet.
    await ensureSearchAttributes(temporal.connection, config.temporal.namespace);
    const connections = await orm.em.fork().find(VendorConnection, {});
    for (const connection of connections) {
      if (syncResourcesOf(connection.vendor).length === 0) continue;
      await ensureSyncSchedules(temporal.client, config.temporal.taskQueue, connection);
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not bring the periodic sync schedules up to date');
  }
}

type TlsSettings = NonNullable<Config['tls']>;

async function readPem(variable: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([`${variable}: cannot read ${path} (${reason})`]);
  }
}

/**
 * Reads and checks the certificate and key before anything else opens, so a bad file stops the start with a
 * message naming the variable and the path rather than an OpenSSL error from deep inside `createServer`.
 */
async function loadTls({ certFile, keyFile }: TlsSettings): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readPem('TLS_CERT_FILE', certFile), readPem('TLS_KEY_FILE', keyFile)]);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new ConfigError([`TLS_CERT_FILE: ${certFile} is not a PEM certificate`]);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError([`TLS_KEY_FILE: ${keyFile} is not an unencrypted PEM private key`]);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError([`TLS_KEY_FILE: ${keyFile} is not the private key of the certificate in ${certFile}`]);
  }
  return { cert, key };
}

function listen(server: HttpServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Opens the dependencies, serves the Koa app and socket.io on one HTTP (or HTTPS) server, and knows how to stop.
 */
export interface ServerOptions extends AppOptions {
  /** Reconcile every connection's periodic sync schedules at start (default on; tests that own their syncs turn it off). */
  readonly syncSchedules?: boolean;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  // TLS files first: a bad one should fail the start before any connection is opened.
  const tls = config.tls ? await loadTls(config.tls) : undefined;
  const opened = await openDeps(config, logger);
  const realtime = createRealtime(opened);
  const deps: AppDeps = { ...opened, realtime };
  const handler = createApp(deps, options).callback();
  // HTTPS with TLS 1.3 as the floor when configured (issue 3); socket.io attaches to whichever server this is.
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.3' }, handler)
    : createHttpServer(handler);
  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (error) {
    await realtime.close();
    await closeDeps(deps, Date.now() + SHUTDOWN_TIMEOUT_MS, logger);
    throw error;
  }
  realtime.attach(server);
  if (options.syncSchedules !== false) void keepSyncSchedules(deps);

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const deadline = Date.now() + SHUTDOWN_TIMEOUT_MS;
    // Stop accepting; in-flight requests finish (idle keep-alive sockets are dropped by close()).
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await settle('socket.io', realtime.close(), deadline - Date.now(), logger);
    // Keep a share of the budget for the dependencies; past it, cut the remaining connections.
    await settle('http', httpClosed, deadline - Date.now() - 3000, logger);
    server.closeAllConnections();
    await closeDeps(deps, deadline, logger);
  };
  return {
    port,
    close: () => (closing ??= close()),
  };
}
