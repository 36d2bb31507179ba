import { resolve } from 'node:path';
import { envParser } from './parse-env.js';

/**
 * What `npm start` needs before the services exist: where to keep data, which ports to give the local services,
 * and which services are provided from outside (and so must not be started).
 */
export interface StackConfig {
  readonly dataDir: string;
  readonly apiPort: number;
  readonly postgresPort: number;
  readonly redisPort: number;
  readonly temporalPort: number;
  readonly temporalUiPort: number;
  readonly temporalCli?: string;
  readonly external: { readonly databaseUrl?: string; readonly redisUrl?: string; readonly temporalAddress?: string };
  /** Sandbox mode: vendors are the local simulators and the three demo users exist (contracts). */
  readonly sandboxMode: boolean;
  /** DEMO_PASSWORD when given; otherwise one is generated into DATA_DIR/secrets.json and printed. */
  readonly demoPassword?: string;
}

interface RawStackEnv {
  DATA_DIR: string;
  PORT: number;
  PG_PORT: number;
  REDIS_PORT: number;
  TEMPORAL_PORT: number;
  TEMPORAL_UI_PORT: number;
  TEMPORAL_CLI?: string;
  DATABASE_URL?: string;
  REDIS_URL?: string;
  TEMPORAL_ADDRESS?: string;
  SANDBOX_MODE: 'auto' | 'on' | 'off';
  DEMO_PASSWORD?: string;
}

/** Any of these set means real vendor credentials are configured, so `SANDBOX_MODE=auto` turns sandbox mode off. */
export const VENDOR_CREDENTIAL_VARIABLES = [
  'JOBBER_CLIENT_ID',
  'QUICKBOOKS_CLIENT_ID',
  'GOOGLE_CLIENT_ID',
  'SLACK_BOT_TOKEN',
  'TWILIO_ACCOUNT_SID',
  'SENDGRID_API_KEY',
  'AIRTABLE_API_KEY',
] as const;

const port = (fallback: number) => ({ type: 'integer', minimum: 1, maximum: 65535, default: fallback });

const schema = {
  type: 'object',
  properties: {
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    PORT: port(3000),
    PG_PORT: port(55432),
    REDIS_PORT: port(56379),
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    TEMPORAL_CLI: { type: 'string', minLength: 1 },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    TEMPORAL_ADDRESS: { type: 'string', pattern: '^[^\\s/]+:\\d+$' },
    SANDBOX_MODE: { type: 'string', enum: ['auto', 'on', 'off'], default: 'auto' },
    DEMO_PASSWORD: { type: 'string', minLength: 12, maxLength: 256 },
  },
} as const;

const parseStackEnv = envParser<RawStackEnv>(schema);

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StackConfig {
  const parsed = parseStackEnv(env);
  return Object.freeze({
    dataDir: resolve(cwd, parsed.DATA_DIR),
    apiPort: parsed.PORT,
    postgresPort: parsed.PG_PORT,
    redisPort: parsed.REDIS_PORT,
    temporalPort: parsed.TEMPORAL_PORT,
    temporalUiPort: parsed.TEMPORAL_UI_PORT,
    ...(parsed.TEMPORAL_CLI ? { temporalCli: parsed.TEMPORAL_CLI } : {}),
    external: Object.freeze({
      databaseUrl: parsed.DATABASE_URL,
      redisUrl: parsed.REDIS_URL,
      temporalAddress: parsed.TEMPORAL_ADDRESS,
    }),
    sandboxMode:
      parsed.SANDBOX_MODE === 'on' ||
      (parsed.SANDBOX_MODE === 'auto' && VENDOR_CREDENTIAL_VARIABLES.every((name) => !env[name])),
    ...(parsed.DEMO_PASSWORD ? { demoPassword: parsed.DEMO_PASSWORD } : {}),
  });
}
