import type { AppDeps } from '../../deps.js';

export type CheckResult = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };

export type DependencyName = 'postgres' | 'redis' | 'temporal';

/** Each dependency gets this long; a dead one must not hold the probe (or a request thread) hostage. */
export const CHECK_TIMEOUT_MS = 2000;

class CheckTimeout extends Error {}

/** Races `work` against a timer: ioredis queues commands while offline and sockets can hang on connect. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The reason shown on a public endpoint: an error code or a truncated message; the full error goes to the
 * log. A code such as ECONNREFUSED says enough without printing hosts and ports.
 */
function shortReason(error: unknown): string {
  if (error instanceof CheckTimeout) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  const message = error instanceof Error ? error.message : String(error);
  // gRPC errors read "14 UNAVAILABLE: No connection established. Last error: … 10.0.0.5:7233 …".
  const grpcStatus = /^\d+ ([A-Z_]+):/.exec(message);
  if (grpcStatus?.[1]) return grpcStatus[1];
  const redacted = message.replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<address>');
  return redacted.length > 120 ? `${redacted.slice(0, 117)}...` : redacted || 'unknown error';
}

async function measure(name: DependencyName, probe: () => Promise<unknown>, deps: AppDeps): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    deps.logger.warn({ err: error, dependency: name }, 'readiness check failed');
    return { status: 'down', error: shortReason(error) };
  }
}

function probes(deps: AppDeps): Record<DependencyName, () => Promise<unknown>> {
  return {
    // A fork, as everywhere else: the global EntityManager is never used directly.
    postgres: () => deps.orm.em.fork().getConnection().execute('select 1'),
    redis: async () => {
      const reply = await deps.redis.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
    temporal: () => {
      const connection = deps.temporal.probeConnection ?? deps.temporal.connection;
      return connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
    },
  };
}

/** Runs every check in parallel; total time is bounded by CHECK_TIMEOUT_MS. */
export async function checkDependencies(deps: AppDeps): Promise<Record<DependencyName, CheckResult>> {
  const entries = Object.entries(probes(deps)) as Array<[DependencyName, () => Promise<unknown>]>;
  const results = await Promise.all(entries.map(async ([name, probe]) => [name, await measure(name, probe, deps)]));
  return Object.fromEntries(results) as Record<DependencyName, CheckResult>;
}
