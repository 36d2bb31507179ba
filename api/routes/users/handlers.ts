import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { User } from '../../../db/entities/index.js';
import { recordSecurityEvent } from '../../../db/repositories/security-events.js';
import { deny, principalOf } from '../../auth/access.js';
import { clientInfo } from '../../auth/client-info.js';
import { hashPassword } from '../../auth/passwords.js';
import { roleHas } from '../../auth/permissions.js';
import { publicUser } from '../../auth/public-user.js';
import type { SessionService } from '../../auth/sessions.js';
import { createUser } from '../../auth/users.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { likeContains } from '../../like.js';
import { afterCursor, toPage } from '../../pagination.js';
import { validated } from '../../validation.js';
import type { CreateUserBody, ListUsersQuery, UpdateUserBody } from './schemas.js';

function notFound(): AppError {
  return new AppError('not_found', 404, 'User not found');
}

/** An admin may not remove the last active admin: nobody could manage the system any more. */
async function assertAnotherAdminRemains(em: EntityManager, userId: string): Promise<void> {
  // Locks the admin rows, so two admins demoting each other at once cannot both succeed.
  const admins = await em.find(User, { role: 'admin', active: true }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!admins.some((admin) => admin.id !== userId)) {
    throw new AppError('last_admin', 409, 'This is the last active admin; make another user admin first');
  }
}

export function userHandlers(deps: AppDeps, sessions: SessionService) {
  const { orm } = deps;

  /** Non-admins reach only their own record; for them another id is refused whether or not it exists. */
  async function loadVisible(ctx: Context, em: EntityManager): Promise<User> {
    const { id } = validated<{ id: string }>(ctx, 'params');
    const principal = principalOf(ctx);
    if (!roleHas(principal.role, 'users:manage') && principal.userId !== id) {
      await deny(ctx, orm, 'not_own_user', { targetUserId: id });
    }
    const user = await em.findOne(User, { id });
    if (!user) throw notFound();
    return user;
  }

  return {
    async list(ctx: Context) {
      const query = validated<ListUsersQuery>(ctx, 'query');
      const filters: Record<string, unknown>[] = [afterCursor(query.cursor)];
      if (query.role) filters.push({ role: query.role });
      if (query.active !== undefined) filters.push({ active: query.active });
      if (query.q) {
        const pattern = likeContains(query.q);
        filters.push({ $or: [{ email: { $ilike: pattern } }, { displayName: { $ilike: pattern } }] });
      }
      const rows = await orm.em
        .fork()
        .find(User, { $and: filters }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
      ctx.body = toPage(rows, query.limit, (user) => publicUser(user));
    },

    async create(ctx: Context) {
      const body = validated<CreateUserBody>(ctx, 'body');
      const em = orm.em.fork();
      const user = await createUser(em, body);
      await recordSecurityEvent(em, {
        type: 'user_created',
        userId: user.id,
        email: user.email,
        ip: ctx.ip,
        details: { by: principalOf(ctx).userId, role: user.role },
      });
      ctx.status = 201;
      ctx.set('Location', `/api/users/${user.id}`);
      ctx.body = publicUser(user);
    },

    async show(ctx: Context) {
      ctx.body = publicUser(await loadVisible(ctx, orm.em.fork()));
    },

    async update(ctx: Context) {
      const body = validated<UpdateUserBody>(ctx, 'body');
      const principal = principalOf(ctx);
      const isAdmin = roleHas(principal.role, 'users:manage');
      if (!isAdmin && (body.role !== undefined || body.active !== undefined)) {
        await deny(ctx, orm, 'own_role_or_status', { fields: Object.keys(body) });
      }
      const em = orm.em.fork();
      const result = await em.transactional(async (tx) => {
        const user = await loadVisible(ctx, tx);
        const before = { role: user.role, active: user.active };
        const losesAdmin =
          user.role === 'admin' &&
          user.active &&
          ((body.role !== undefined && body.role !== 'admin') || body.active === false);
        if (losesAdmin) await assertAnotherAdminRemains(tx, user.id);
        if (body.displayName !== undefined) user.displayName = body.displayName;
        if (body.role !== undefined) user.role = body.role;
        if (body.active !== undefined) user.active = body.active;
        // Reactivating gives a clean slate: the lock from before the deactivation is lifted too.
        if (body.active === true && !before.active) {
          user.failedLoginCount = 0;
          user.lockedUntil = null;
        }
        await tx.flush();
        return { user, before };
      });
      const { user, before } = result;
      const accessChanged = before.role !== user.role || (before.active && !user.active);
      const endedSessions = accessChanged ? await sessions.endSessions(em, user.id) : 0;
      if (before.role !== user.role || before.active !== user.active) {
        await recordSecurityEvent(em, {
          type: before.active && !user.active ? 'user_deactivated' : 'user_updated',
          userId: user.id,
          email: user.email,
          ip: ctx.ip,
          details: { by: principal.userId, before, after: { role: user.role, active: user.active }, endedSessions },
        });
      }
      ctx.body = publicUser(user);
    },

    /** An admin sets a new password for someone who lost theirs; every session of that user ends. */
    async setPassword(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const { password } = validated<{ password: string }>(ctx, 'body');
      const em = orm.em.fork();
      const user = await em.findOne(User, { id });
      if (!user) throw notFound();
      user.passwordHash = await hashPassword(password);
      user.passwordChangedAt = new Date();
      user.failedLoginCount = 0;
      user.lockedUntil = null;
      await em.flush();
      const endedSessions = await sessions.endSessions(em, user.id);
      const client = clientInfo(ctx);
      await recordSecurityEvent(em, {
        type: 'password_changed',
        userId: user.id,
        email: user.email,
        ip: client.ip,
        userAgent: client.userAgent,
        details: { by: principalOf(ctx).userId, endedSessions },
      });
      ctx.status = 204;
    },
  };
}
