import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** A file of the source tree: tests run from dist-*\/tests/deploy, three folders below the repository root. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/** The parts of a Compose service these tests read (the schema checks the rest). */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  user?: string;
  restart?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  ports?: unknown[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The YAML tree as parsed, before interpolation; merge keys (`<<: *anchor`) resolved as Compose resolves them. */
export function parseComposeFile(text: string): unknown {
  return parse(text, { merge: true }) as unknown;
}

type Environment = Readonly<Record<string, string | undefined>>;

export class MissingVariableError extends Error {}

/*
 * Compose's interpolation syntax (compose-go's template package): $$ escapes a dollar; ${VAR}, $VAR; ${VAR:-default}
 * and ${VAR-default} (unset or empty / unset only); ${VAR:?message} and ${VAR?message} (an error instead);
 * ${VAR:+replacement}. Nested expressions are not used in our file, so they are not supported here.
 */
const EXPRESSION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface VariableUse {
  readonly name: string;
  /** `${VAR:?…}` or `${VAR?…}`: Compose refuses to run without it. */
  readonly required: boolean;
}

function interpolateString(text: string, env: Environment): string {
  const replace = (match: string, braced?: string, colon?: string, operator?: string, argument = '', bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const missing = colon === ':' ? !value : value === undefined;
    if (operator === '-') return missing ? argument : value!;
    if (operator === '+') return missing ? '' : argument;
    if (operator === '?' && missing) throw new MissingVariableError(`${name}: ${argument}`);
    return value ?? '';
  };
  return text.replace(EXPRESSION, replace);
}

/** Interpolates every string value (keys are left alone, as Compose does), like `docker compose config`. */
export function interpolate(tree: unknown, env: Environment): unknown {
  if (typeof tree === 'string') return interpolateString(tree, env);
  if (Array.isArray(tree)) return tree.map((item) => interpolate(item, env));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, interpolate(value, env)]));
  }
  return tree;
}

/** Every variable the file's values refer to (comments excluded, since they are not part of the tree). */
export function variablesOf(tree: unknown): VariableUse[] {
  const uses = new Map<string, VariableUse>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(EXPRESSION)) {
        const name = match[1] ?? match[5];
        if (!name) continue;
        const required = match[3] === '?' || uses.get(name)?.required === true;
        uses.set(name, { name, required });
      }
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node !== null && typeof node === 'object') {
      Object.values(node).forEach(visit);
    }
  };
  visit(tree);
  return [...uses.values()];
}

/** `KEY=value` lines of a .env file; comments and blank lines skipped, values taken literally. */
export function parseEnvFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

export interface DockerfileStage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: ReadonlyArray<{ keyword: string; args: string }>;
}

/** Stages of a Dockerfile with each FROM's image resolved from the ARG defaults declared before the first FROM. */
export function parseDockerfile(text: string): DockerfileStage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const globalArgs = new Map<string, string>();
  const stages: Array<{ from: string; name?: string; instructions: Array<{ keyword: string; args: string }> }> = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs.get(a ?? b!) ?? '');
      stages.push({ from, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0 && keyword.toUpperCase() === 'ARG') {
      const [name = '', value = ''] = args.split('=');
      globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}
