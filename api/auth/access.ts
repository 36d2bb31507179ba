import type { Context, Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import { recordSecurityEvent } from '../../db/repositories/security-events.js';
import { AppError } from '../errors.js';
import type { Principal } from '../state.js';
import { roleHas, type Permission } from './permissions.js';

/** The caller of an authenticated route; `authenticate` guarantees it is there. */
export function principalOf(ctx: Context): Principal {
  const principal = ctx.state.principal;
  if (!principal) throw new AppError('unauthorized', 401, 'Missing or invalid access token');
  return principal;
}

/**
 * Refuses the request with 403 and records a `permission_denied` security event naming what was refused.
 * Handlers call it for per-resource rules (someone else's job, another user's profile).
 */
export async function deny(ctx: Context, orm: MikroORM, reason: string, details: Record<string, unknown> = {}) {
  const principal = ctx.state.principal;
  await recordSecurityEvent(orm.em.fork(), {
    type: 'permission_denied',
    userId: principal?.userId ?? null,
    ip: ctx.ip,
    userAgent: ctx.get('User-Agent') || null,
    details: {
      method: ctx.method,
      path: ctx.path,
      role: principal?.role,
      ...(principal?.apiKeyId ? { apiKeyId: principal.apiKeyId } : {}),
      reason,
      ...details,
    },
  });
  throw new AppError('forbidden', 403, 'You do not have permission to do this');
}

/** A route guard that says which permission it checks, so the OpenAPI document can name it. */
export interface PermissionGuard extends Middleware {
  readonly permission: Permission;
}

/** Route guard: the caller's role must carry `permission` (the matrix in permissions.ts). */
export function requirePermission(orm: MikroORM, permission: Permission): PermissionGuard {
  const guard: Middleware = async (ctx, next) => {
    const principal = principalOf(ctx);
    if (!roleHas(principal.role, permission)) await deny(ctx, orm, 'role', { permission });
    await next();
  };
  return Object.assign(guard, { permission });
}
