import { envParser } from './parse-env.js';

/** Settings of the vendor sandbox process (`npm run sandbox`, or started by `npm start` in sandbox mode). */
export interface SandboxConfig {
  readonly host: string;
  /** Control API port; the seven vendor servers listen on the next seven ports. */
  readonly port: number;
  readonly seed: number;
  /** A named scale (small, medium, large) or a number of customers. */
  readonly scale: 'small' | 'medium' | 'large' | number;
}

interface RawSandboxEnv {
  SANDBOX_HOST: string;
  SANDBOX_PORT: number;
  SANDBOX_SEED: number;
  SANDBOX_SCALE: string;
}

const parse = envParser<RawSandboxEnv>({
  type: 'object',
  properties: {
    SANDBOX_HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    SANDBOX_PORT: { type: 'integer', minimum: 1, maximum: 65527, default: 4010 },
    SANDBOX_SEED: { type: 'integer', minimum: 0, maximum: 4294967295, default: 42 },
    SANDBOX_SCALE: { type: 'string', pattern: '^(small|medium|large|[1-9][0-9]{0,5})$', default: 'small' },
  },
});

export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const parsed = parse(env);
  const scale = /^\d+$/.test(parsed.SANDBOX_SCALE)
    ? Number(parsed.SANDBOX_SCALE)
    : (parsed.SANDBOX_SCALE as 'small' | 'medium' | 'large');
  return Object.freeze({ host: parsed.SANDBOX_HOST, port: parsed.SANDBOX_PORT, seed: parsed.SANDBOX_SEED, scale });
}
