import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config/env.js';
import { loadSandboxConfig } from '../config/sandbox.js';
import { loadStackConfig } from '../config/stack.js';
import { DEMO_USERS, ensureDemoUsers } from '../api/auth/demo-users.js';
import { openOrm } from '../db/orm.js';
import { WORKER_NODE_FLAGS } from '../worker/node-flags.js';
import { migrateDatabase } from './migrate.js';
import { connectSandboxVendors } from './sandbox-connections.js';
import { EMBEDDED_DATABASE } from './services/database.js';
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
    database: EMBEDDED_DATABASE,
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
    const demoPassword = stackConfig.sandboxMode ? (stackConfig.demoPassword ?? secrets.demoPassword) : undefined;
    if (demoPassword) await prepareDemoUsers(stack.databaseUrl, demoPassword);
    const env = {
      ...process.env,
      PORT: String(stackConfig.apiPort),
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      JWT_SECRET: process.env.JWT_SECRET ?? secrets.jwtSecret,
      CREDENTIALS_KEY: process.env.CREDENTIALS_KEY ?? secrets.credentialsKey,
    };
    // The API serves HTTPS when both are set (config/env.ts validates the pair; the API reports a bad one).
    const scheme = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE ? 'https' : 'http';
    const logDir = join(stackConfig.dataDir, 'logs');
    const supervise = (name: string, child: ManagedProcess): ManagedProcess => {
      children.push(child);
      void child.exited.then((code) => {
        if (!stopping) {
          log(`${name} exited unexpectedly (${code}); see ${child.logFile}`);
          void shutdown(1);
        }
      });
      return child;
    };
    let sandboxUrl: string | undefined;
    if (stackConfig.sandboxMode) {
      sandboxUrl = await waitForSandbox(env, supervise('sandbox', startVendorSandbox(env, logDir)));
      const { connected, created, reseeded } = await connectSandboxVendors(
        stack.databaseUrl,
        env.CREDENTIALS_KEY,
        sandboxUrl,
      );
      log(`sandbox vendors connected: ${connected.length} (${created.length} new, ${reseeded.length} re-seeded)`);
    }
    for (const [name, entry] of [
      ['worker', 'worker/main.js'],
      ['api', 'api/main.js'],
    ] as const) {
      const args = [...(name === 'worker' ? WORKER_NODE_FLAGS : []), join(distRoot, entry)];
      supervise(name, spawnService({ name, command: process.execPath, args, env, logDir, echo: true }));
    }
    await waitForApi(scheme, stackConfig.apiPort, logDir);
    // Only now: Slack checks a new Events URL with a url_verification request, which the API must be up to answer.
    if (sandboxUrl) await pointSandboxWebhooks(sandboxUrl, loadConfig(env).publicBaseUrl);
    const workerMetrics = loadConfig(env).worker.metricsAddress;
    printBanner(stack, `${scheme}://localhost:${stackConfig.apiPort}`, stackConfig.dataDir, {
      demoPassword,
      sandboxUrl,
      workerMetricsUrl: workerMetrics ? `http://${workerMetrics}/metrics` : undefined,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
  }
}

/**
 * One readiness probe of our own child on loopback. Over HTTPS the certificate is not checked: it is issued for
 * the public name, not 127.0.0.1, and the probe sends nothing secret and reads only the status.
 */
function probeReady(scheme: 'http' | 'https', port: number): Promise<boolean> {
  const url = `${scheme}://127.0.0.1:${port}/readyz`;
  if (scheme === 'http') {
    return fetch(url)
      .then((response) => response.ok)
      .catch(() => false);
  }
  return new Promise((resolve) => {
    const request = httpsGet(url, { rejectUnauthorized: false, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function waitForApi(scheme: 'http' | 'https', port: number, logDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await probeReady(scheme, port);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`API: not ready on port ${port} after 60 s; see ${join(logDir, 'api.log')}`);
}

/** Sandbox mode (contracts): the vendor simulators run next to the system, on SANDBOX_PORT and the seven after it. */
function startVendorSandbox(env: NodeJS.ProcessEnv, logDir: string): ManagedProcess {
  return spawnService({
    name: 'sandbox',
    command: process.execPath,
    args: [join(distRoot, 'sandbox/main.js')],
    env,
    logDir,
    echo: false,
  });
}

async function waitForSandbox(env: NodeJS.ProcessEnv, child: ManagedProcess): Promise<string> {
  const url = `http://127.0.0.1:${loadSandboxConfig(env).port}/_sandbox`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return url;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`vendor sandbox: not answering on ${url} after 60 s; see ${child.logFile}`);
}

/** The vendors whose simulators post to a receiver of ours (api/routes/webhooks). */
const WEBHOOK_VENDORS = ['jobber', 'quickbooks', 'twilio', 'sendgrid', 'slack'] as const;

/**
 * Sandbox mode: the simulators post their webhooks to our receivers, at the URLs the real vendors would be given
 * (PUBLIC_BASE_URL). Twilio's status callbacks need nothing here: each send names its own StatusCallback.
 */
async function pointSandboxWebhooks(sandboxUrl: string, publicBaseUrl: string): Promise<void> {
  const webhookUrls = Object.fromEntries(
    WEBHOOK_VENDORS.map((vendor) => [vendor, `${publicBaseUrl}/api/webhooks/${vendor}`]),
  );
  const url = new URL('/_sandbox/settings', sandboxUrl);
  const reply = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhookUrls }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!reply.ok) throw new Error(`vendor sandbox: POST ${url.href} answered ${reply.status}`);
  log(`sandbox webhooks go to ${publicBaseUrl}/api/webhooks/{${WEBHOOK_VENDORS.join(',')}}`);
}

/** Sandbox mode (contracts): the three demo users exist and can sign in with the demo password. */
async function prepareDemoUsers(databaseUrl: string, password: string): Promise<void> {
  const orm = await openOrm(databaseUrl);
  try {
    const { created } = await ensureDemoUsers(orm.em.fork(), password);
    if (created.length > 0) log(`created demo users: ${created.join(', ')}`);
  } finally {
    await orm.close();
  }
}

function printBanner(
  stack: RunningStack,
  apiUrl: string,
  dataDir: string,
  {
    demoPassword,
    sandboxUrl,
    workerMetricsUrl,
  }: { demoPassword?: string; sandboxUrl?: string; workerMetricsUrl?: string },
): void {
  const demo = demoPassword
    ? [`Demo users     ${DEMO_USERS.map((user) => user.email).join(', ')}  password: ${demoPassword}`]
    : [];
  const lines = [
    `API            ${apiUrl}  (health: /healthz, readiness: /readyz)`,
    `Metrics        ${apiUrl}/metrics${workerMetricsUrl ? `  worker: ${workerMetricsUrl}` : ''}`,
    `Temporal       ${stack.temporalAddress}${stack.temporalUiUrl ? `  Web UI: ${stack.temporalUiUrl}` : ''}`,
    `PostgreSQL     ${redact(stack.databaseUrl)}`,
    `Redis          ${redact(stack.redisUrl)}`,
    ...demo,
    ...(sandboxUrl ? [`Vendor sandbox ${sandboxUrl}  (no vendor credentials configured: SANDBOX_MODE=auto)`] : []),
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
