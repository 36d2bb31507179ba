import type { Context } from 'koa';

/** Where a request came from, as recorded with sessions and security events. */
export interface ClientInfo {
  readonly ip: string;
  readonly userAgent: string | null;
}

export function clientInfo(ctx: Context): ClientInfo {
  return { ip: ctx.ip, userAgent: ctx.get('User-Agent') || null };
}
