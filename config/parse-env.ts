import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true });
addFormats.default(ajv);

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') {
    return `${String(error.params.missingProperty)} is required but not set`;
  }
  const name = error.instancePath.replace(/^\//, '');
  return `${name} ${error.message ?? 'is invalid'}`;
}

interface EnvSchema {
  readonly properties: Readonly<Record<string, unknown>>;
}

/**
 * Compiles `schema` once and returns a parser that reads only the variables the schema names (empty counts as
 * unset), applies defaults, coerces types, and throws one ConfigError naming every bad variable.
 */
export function envParser<T>(schema: EnvSchema & Record<string, unknown>): (env: NodeJS.ProcessEnv) => T {
  const validate: ValidateFunction<T> = ajv.compile<T>({ type: 'object', ...schema });
  return (env) => {
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(schema.properties)) {
      const value = env[key];
      if (value !== undefined && value !== '') raw[key] = value;
    }
    if (!validate(raw)) throw new ConfigError((validate.errors ?? []).map(describe));
    return raw as T;
  };
}
