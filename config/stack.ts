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
}

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
  });
}
