import proxyaddr from 'proxy-addr';
import { loadOAuthApps, type OAuthApps } from './oauth-apps.js';
import { ConfigError, envParser } from './parse-env.js';

export { ConfigError } from './parse-env.js';

/** The only place that reads process.env. Parsed and validated once; a bad value stops the process. */
export interface Config {
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
  };
  readonly corsOrigins: readonly string[];
  readonly jwt: { readonly secret: string; readonly issuer: string; readonly audience: string };
  /** 32-byte key (hex) that encrypts vendor credentials at rest. */
  readonly credentialsKey: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimit: string;
  /**
   * Proxies whose `X-Forwarded-For` is believed (proxy-addr syntax: addresses, CIDRs, or the names loopback,
   * linklocal, uniquelocal). Empty: the socket's address is the client, whatever the header says.
   */
  readonly trustedProxies: readonly string[];
  /** PEM certificate and key files: when both are set the API serves HTTPS with TLS 1.3 as the minimum. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly auth: {
    /**
     * A refresh token presented again within this many seconds of its rotation lost a concurrent race (two tabs
     * refreshing at once) and is refused without revoking the session; later it counts as reuse (RFC 9700 §4.14).
     * 0 makes every second presentation a reuse.
     */
    readonly refreshReuseGraceSeconds: number;
  };
  /** Our OAuth app at each vendor (config/oauth-apps.ts); the sandbox's apps in sandbox mode. */
  readonly oauthApps: OAuthApps;
  /**
   * The origin vendors reach the API at (no trailing slash). Twilio signs the exact URL it posts to, so the Twilio
   * receiver rebuilds that URL from this; the worker gives it to Twilio as the StatusCallback.
   */
  readonly publicBaseUrl: string;
  /** Bearer token `/metrics` asks for; absent, `/metrics` is public (as `/healthz` is). */
  readonly metricsToken?: string;
  readonly worker: {
    /** `host:port` of the worker's Prometheus exporter (Temporal SDK metrics); absent when WORKER_METRICS_PORT=off. */
    readonly metricsAddress?: string;
    /** How long a stopping worker lets running activities finish before it cancels them (they retry elsewhere). */
    readonly shutdownGraceMs: number;
  };
}

interface RawEnv {
  NODE_ENV: Config['nodeEnv'];
  HOST: string;
  PORT: number;
  DATABASE_URL: string;
  REDIS_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TASK_QUEUE: string;
  CORS_ORIGINS: string;
  JWT_SECRET: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  CREDENTIALS_KEY: string;
  LOG_LEVEL: Config['logLevel'];
  BODY_LIMIT: string;
  TRUST_PROXY: string;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  AUTH_REFRESH_REUSE_GRACE_SECONDS: number;
  PUBLIC_BASE_URL?: string;
  METRICS_TOKEN?: string;
  WORKER_METRICS_PORT: string;
  WORKER_METRICS_HOST: string;
  WORKER_SHUTDOWN_GRACE_SECONDS: number;
}

const schema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', enum: ['development', 'test', 'production'], default: 'development' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    TEMPORAL_ADDRESS: { type: 'string', pattern: '^[^\\s/]+:\\d+$' },
    TEMPORAL_NAMESPACE: { type: 'string', minLength: 1, default: 'default' },
    TEMPORAL_TASK_QUEUE: { type: 'string', minLength: 1, default: 'business-dashboard' },
    CORS_ORIGINS: { type: 'string', default: 'http://localhost:5173,http://localhost:3000' },
    JWT_SECRET: { type: 'string', minLength: 32 },
    JWT_ISSUER: { type: 'string', minLength: 1, default: 'business-dashboard' },
    JWT_AUDIENCE: { type: 'string', minLength: 1, default: 'business-dashboard-api' },
    CREDENTIALS_KEY: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    BODY_LIMIT: { type: 'string', pattern: '^\\d+(kb|mb)$', default: '1mb' },
    TRUST_PROXY: { type: 'string', pattern: '^[0-9A-Za-z.:/, ]*$', default: '' },
    TLS_CERT_FILE: { type: 'string', minLength: 1 },
    TLS_KEY_FILE: { type: 'string', minLength: 1 },
    AUTH_REFRESH_REUSE_GRACE_SECONDS: { type: 'integer', minimum: 0, maximum: 60, default: 5 },
    // An origin only: the receivers and the worker append the webhook paths themselves.
    PUBLIC_BASE_URL: { type: 'string', pattern: '^https?://[^/?#\\s]+/?$' },
    // Sent in a header: printable ASCII without spaces, and long enough not to be guessed.
    METRICS_TOKEN: { type: 'string', pattern: '^[\\x21-\\x7e]{16,512}$' },
    WORKER_METRICS_PORT: { type: 'string', pattern: '^(off|[0-9]{1,5})$', default: '9464' },
    WORKER_METRICS_HOST: { type: 'string', pattern: '^[0-9A-Za-z.:\\-\\[\\]]+$', default: '127.0.0.1' },
    WORKER_SHUTDOWN_GRACE_SECONDS: { type: 'integer', minimum: 0, maximum: 3600, default: 10 },
  },
  required: ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'JWT_SECRET', 'CREDENTIALS_KEY'],
  dependencies: { TLS_CERT_FILE: ['TLS_KEY_FILE'], TLS_KEY_FILE: ['TLS_CERT_FILE'] },
} as const;

const parseEnv = envParser<RawEnv>(schema);

/** TRUST_PROXY as a list, checked with the library that will use it, so a typo stops the start with its name. */
function trustedProxiesOf(value: string): readonly string[] {
  const list = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyaddr.compile(list);
  } catch (error) {
    throw new ConfigError([`TRUST_PROXY ${(error as Error).message}`]);
  }
  return Object.freeze(list);
}

/** PUBLIC_BASE_URL, or the API itself on loopback (over HTTPS when it serves TLS, since then it speaks nothing else). */
function publicBaseUrlOf(parsed: RawEnv): string {
  if (parsed.PUBLIC_BASE_URL) return parsed.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const scheme = parsed.TLS_CERT_FILE && parsed.TLS_KEY_FILE ? 'https' : 'http';
  return `${scheme}://127.0.0.1:${parsed.PORT}`;
}

/**
 * Where the worker's Prometheus exporter binds, or undefined when switched off. Port 0 is refused: the SDK would
 * pick a port nobody could learn. An IPv6 host is bracketed, as the exporter's `host:port` syntax needs.
 */
function workerMetricsAddressOf(parsed: RawEnv): string | undefined {
  if (parsed.WORKER_METRICS_PORT === 'off') return undefined;
  const port = Number(parsed.WORKER_METRICS_PORT);
  if (port < 1 || port > 65535) throw new ConfigError(['WORKER_METRICS_PORT must be a port (1-65535) or off']);
  const host = parsed.WORKER_METRICS_HOST;
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** Reads the variables the schema knows from `env`, applies defaults and checks every one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseEnv(env);
  const workerMetricsAddress = workerMetricsAddressOf(parsed);
  return Object.freeze({
    nodeEnv: parsed.NODE_ENV,
    host: parsed.HOST,
    port: parsed.PORT,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    temporal: Object.freeze({
      address: parsed.TEMPORAL_ADDRESS,
      namespace: parsed.TEMPORAL_NAMESPACE,
      taskQueue: parsed.TEMPORAL_TASK_QUEUE,
    }),
    corsOrigins: Object.freeze(
      parsed.CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
    jwt: Object.freeze({ secret: parsed.JWT_SECRET, issuer: parsed.JWT_ISSUER, audience: parsed.JWT_AUDIENCE }),
    credentialsKey: parsed.CREDENTIALS_KEY,
    logLevel: parsed.LOG_LEVEL,
    bodyLimit: parsed.BODY_LIMIT,
    trustedProxies: trustedProxiesOf(parsed.TRUST_PROXY),
    ...(parsed.TLS_CERT_FILE && parsed.TLS_KEY_FILE
      ? { tls: Object.freeze({ certFile: parsed.TLS_CERT_FILE, keyFile: parsed.TLS_KEY_FILE }) }
      : {}),
    auth: Object.freeze({ refreshReuseGraceSeconds: parsed.AUTH_REFRESH_REUSE_GRACE_SECONDS }),
    oauthApps: loadOAuthApps(env),
    publicBaseUrl: publicBaseUrlOf(parsed),
    ...(parsed.METRICS_TOKEN ? { metricsToken: parsed.METRICS_TOKEN } : {}),
    worker: Object.freeze({
      ...(workerMetricsAddress !== undefined ? { metricsAddress: workerMetricsAddress } : {}),
      shutdownGraceMs: parsed.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
    }),
  });
}
