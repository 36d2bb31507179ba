import type { Context } from 'koa';
import { SlackApiError } from './errors.js';

/** Web API arguments as received: strings from forms and queries, anything from JSON, Buffers from multipart. */
export type Args = Record<string, unknown>;

const MAX_BODY_BYTES = 50 * 1024 * 1024;

export async function readRawBody(ctx: Context): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SlackApiError('request_too_large', {}, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Slack accepts form-encoded, JSON and multipart bodies (and query strings on GET). The SDK sends forms with
 * non-scalar arguments JSON-encoded, and switches to multipart when an argument is a Buffer.
 */
export async function readArgs(ctx: Context, raw: Buffer): Promise<Args> {
  const args: Args = {};
  for (const [name, value] of new URLSearchParams(ctx.querystring)) args[name] = value;
  const type = ctx.get('content-type').toLowerCase();
  if (raw.length === 0) return args;
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SlackApiError('invalid_json');
    return { ...args, ...(parsed as Args) };
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    for (const [name, value] of form) {
      args[name] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    }
    return args;
  }
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) args[name] = value;
  return args;
}

export function optionalString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

export function requiredString(args: Args, name: string, error = 'invalid_arguments'): string {
  const value = optionalString(args, name);
  if (value === undefined)
    throw error === 'invalid_arguments' ? invalidArgument(`missing required field: ${name}`) : new SlackApiError(error);
  return value;
}

export function optionalInt(args: Args, name: string): number | undefined {
  const value = optionalString(args, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw invalidArgument(`${name} must be an integer`);
  return parsed;
}

export function optionalBool(args: Args, name: string): boolean {
  const value = optionalString(args, name);
  return value === 'true' || value === '1';
}

/** A structured argument (blocks, files): already parsed in a JSON body, a JSON string in a form. */
export function optionalJson(args: Args, name: string, error: string): unknown {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackApiError(error);
  }
}

/** Slack explains argument errors in `response_metadata.messages` (the SDK logs `[ERROR]` lines). */
export function invalidArgument(message: string): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}
