import type { Context } from 'koa';
import { TwilioError } from './errors.js';

/** A form-encoded body or query string: every name with all its values, in order (MediaUrl repeats). */
export class Form {
  private readonly values = new Map<string, string[]>();

  constructor(encoded: string) {
    for (const [name, value] of new URLSearchParams(encoded)) this.values.set(name, [...this.all(name), value]);
  }

  first(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

const LIMIT = 1024 * 1024;

/** Reads the raw form body (the SDK always sends `application/x-www-form-urlencoded`). */
export async function readForm(ctx: Context): Promise<Form> {
  if (ctx.request.length && !ctx.is('application/x-www-form-urlencoded')) {
    throw new TwilioError(400, 20001, 'Invalid content type, expected application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) throw new TwilioError(400, 20001, 'Request body too large');
    chunks.push(chunk);
  }
  return new Form(Buffer.concat(chunks).toString('utf8'));
}
