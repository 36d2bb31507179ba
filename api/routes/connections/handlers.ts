import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Context } from 'koa';
import type { ConnectionSecrets } from '../../../activities/vendor-clients.js';
import { createCredentialsCipher } from '../../../db/credentials-cipher.js';
import { VendorConnection } from '../../../db/entities/index.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { afterCursor, toPage } from '../../pagination.js';
import { validated } from '../../validation.js';
import { presentConnection } from './present.js';
import { followConnection } from './sync-schedules.js';
import type { CreateConnectionBody, ListConnectionsQuery } from './schemas.js';

function notFound(): AppError {
  return new AppError('connection_not_found', 404, 'Connection not found');
}

function alreadyConnected(vendor: string): AppError {
  return new AppError('connection_exists', 409, `This ${vendor} account is already connected`);
}

/** List, show, personal-token create, rename and delete; the OAuth flow is in oauth-handlers.ts. */
export function connectionHandlers(deps: AppDeps) {
  const { orm, config } = deps;
  const cipher = createCredentialsCipher(config.credentialsKey);

  return {
    async list(ctx: Context) {
      const query = validated<ListConnectionsQuery>(ctx, 'query');
      const filters: Record<string, unknown>[] = [afterCursor(query.cursor)];
      if (query.vendor) filters.push({ vendor: query.vendor });
      if (query.status) filters.push({ status: query.status });
      const rows = await orm.em
        .fork()
        .find(
          VendorConnection,
          { $and: filters },
          { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 },
        );
      ctx.body = toPage(rows, query.limit, presentConnection);
    },

    async show(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const connection = await orm.em.fork().findOne(VendorConnection, { id });
      if (!connection) throw notFound();
      ctx.body = presentConnection(connection);
    },

    /** A personal token or API key: nothing to exchange, so it is stored as given (sealed) and trusted until used. */
    async create(ctx: Context) {
      const body = validated<CreateConnectionBody>(ctx, 'body');
      const secrets: ConnectionSecrets = {
        accessToken: body.accessToken,
        ...(body.endpoints ? { endpoints: body.endpoints } : {}),
      };
      const key = { vendor: body.vendor, externalAccountId: body.externalAccountId };
      let connection: VendorConnection;
      try {
        connection = await orm.em.fork().transactional(async (em) => {
          if ((await em.count(VendorConnection, key)) > 0) throw alreadyConnected(body.vendor);
          const row = em.create(VendorConnection, {
            ...key,
            displayName: body.displayName ?? null,
            credentialsEncrypted: cipher.encrypt(secrets),
          });
          await em.flush();
          return row;
        });
      } catch (error) {
        // Two creates of one account at once: the unique index decides, the loser gets the same 409.
        if (error instanceof UniqueConstraintViolationException) throw alreadyConnected(body.vendor);
        throw error;
      }
      await followConnection(deps, connection, 'saved');
      ctx.status = 201;
      ctx.set('Location', `/api/connections/${connection.id}`);
      ctx.body = presentConnection(connection);
    },

    async update(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const body = validated<{ displayName?: string | null; syncIntervalMinutes?: number }>(ctx, 'body');
      const connection = await orm.em.fork().transactional(async (em) => {
        const row = await em.findOne(VendorConnection, { id });
        if (!row) throw notFound();
        if (body.displayName !== undefined) row.displayName = body.displayName;
        if (body.syncIntervalMinutes !== undefined) row.syncIntervalMinutes = body.syncIntervalMinutes;
        await em.flush();
        return row;
      });
      if (body.syncIntervalMinutes !== undefined) await followConnection(deps, connection, 'saved');
      ctx.body = presentConnection(connection);
    },

    /** Removes the row and its sealed credentials; sync_log keeps its history (connection_id becomes null). */
    async remove(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const removed = await orm.em.fork().transactional(async (em) => {
        const row = await em.findOne(VendorConnection, { id });
        if (!row) throw notFound();
        await em.nativeDelete(VendorConnection, { id });
        return row;
      });
      await followConnection(deps, removed, 'deleted');
      ctx.status = 204;
    },
  };
}
