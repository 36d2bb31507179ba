import type { QBFilterQuery } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { invalidateDashboard } from '../../../db/dashboard-generation.js';
import { announceClientChange } from '../../realtime/record-events.js';
import { Client, Invoice } from '../../../db/entities/index.js';
import {
  clientListWhere,
  createClientRow,
  findLiveClient,
  replaceClient,
  softDeleteClient,
  type ClientFields,
} from '../../../db/repositories/clients.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { likeContains } from '../../like.js';
import { afterListCursor, orderByOf, parseSort, toSortedPage } from '../../list-query.js';
import { validated } from '../../validation.js';
import { listJobsPage } from '../jobs/list.js';
import type { ListJobsQuery } from '../jobs/schemas.js';
import { preconditionOf, refusalError, setVersionTag } from './preconditions.js';
import { presentInvoice } from '../finances/present.js';
import { CLIENT_SUMMARY_FIELDS, presentClient, presentClientSummary } from './present.js';
import {
  CLIENT_SORT_FIELDS,
  INVOICE_SORT_FIELDS,
  type ClientBody,
  type ClientInvoicesQuery,
  type ListClientsQuery,
} from './schemas.js';
import { startWriteBack } from './write-back.js';

const notFound = () => new AppError('client_not_found', 404, 'No such client');

function fieldsOf(body: ClientBody): ClientFields {
  return {
    name: body.name.trim(),
    email: body.email ?? null,
    phone: body.phone ?? null,
    address: body.address ?? null,
    tags: body.tags ?? [],
    customFields: body.customFields ?? null,
  };
}

function dateOrUndefined(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

/** CRUD of /api/clients, and a client's jobs and invoices. */
export function clientHandlers(deps: AppDeps) {
  const { orm, redis } = deps;

  async function answerSaved(ctx: Context, client: Client, status: number) {
    await invalidateDashboard(redis, { scope: 'clients', id: client.id });
    announceClientChange(deps.realtime, client, status === 201 ? 'created' : 'updated');
    const writeBack = await startWriteBack(deps, 'client', client.id);
    setVersionTag(ctx, client.version);
    ctx.status = status;
    ctx.body = { ...presentClient(client), writeBack };
  }

  async function liveClient(ctx: Context): Promise<Client> {
    const { id } = validated<{ id: string }>(ctx, 'params');
    const client = await findLiveClient(orm.em.fork(), id);
    if (!client) throw notFound();
    return client;
  }

  return {
    async list(ctx: Context) {
      const query = validated<ListClientsQuery>(ctx, 'query');
      const order = parseSort(query.sort, CLIENT_SORT_FIELDS);
      const where = [
        ...clientListWhere({
          ...(query.q ? { textPattern: likeContains(query.q) } : {}),
          ...(query.tag ? { tag: query.tag } : {}),
          ...(query.syncStatus ? { syncStatus: query.syncStatus } : {}),
          ...(query.createdFrom ? { createdFrom: dateOrUndefined(query.createdFrom) } : {}),
          ...(query.createdTo ? { createdTo: dateOrUndefined(query.createdTo) } : {}),
          ...(query.updatedFrom ? { updatedFrom: dateOrUndefined(query.updatedFrom) } : {}),
          ...(query.updatedTo ? { updatedTo: dateOrUndefined(query.updatedTo) } : {}),
        }),
        afterListCursor(query.cursor, order),
      ];
      // Plain rows, not entities: a read-only page needs no identity map or change tracking.
      const rows = (await orm.em
        .fork()
        .createQueryBuilder(Client)
        .select([...CLIENT_SUMMARY_FIELDS])
        .where({ $and: where } as QBFilterQuery<Client>)
        .orderBy(orderByOf(order))
        .limit(query.limit + 1)
        .execute('all', true)) as unknown as Array<Parameters<typeof presentClientSummary>[0]>;
      ctx.body = toSortedPage(rows, query.limit, order, presentClientSummary);
    },

    async create(ctx: Context) {
      const client = await createClientRow(orm.em.fork(), fieldsOf(validated<ClientBody>(ctx, 'body')));
      ctx.set('Location', `/api/clients/${client.id}`);
      await answerSaved(ctx, client, 201);
    },

    async show(ctx: Context) {
      const client = await liveClient(ctx);
      setVersionTag(ctx, client.version);
      ctx.body = presentClient(client);
    },

    async replace(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const body = validated<ClientBody>(ctx, 'body');
      const precondition = preconditionOf(ctx, body.version);
      const outcome = await replaceClient(orm.em.fork(), id, fieldsOf(body), precondition.version);
      if (!('row' in outcome)) throw refusalError(outcome, 'client', precondition);
      await answerSaved(ctx, outcome.row, 200);
    },

    async remove(ctx: Context) {
      const { id } = validated<{ id: string }>(ctx, 'params');
      const query = validated<{ cascade: boolean; version?: number }>(ctx, 'query');
      const precondition = preconditionOf(ctx, query.version);
      const outcome = await softDeleteClient(orm.em.fork(), id, {
        expectedVersion: precondition.version,
        cascade: query.cascade,
        at: new Date(),
      });
      if (!('row' in outcome)) throw refusalError(outcome, 'client', precondition);
      await invalidateDashboard(redis, { scope: 'clients', id });
      if (outcome.row.deletedJobIds.length > 0) await invalidateDashboard(redis, { scope: 'jobs' });
      announceClientChange(deps.realtime, outcome.row.client, 'deleted');
      ctx.status = 204;
    },

    async jobs(ctx: Context) {
      const client = await liveClient(ctx);
      ctx.body = await listJobsPage(orm.em.fork(), { ...validated<ListJobsQuery>(ctx, 'query'), clientId: client.id });
    },

    async invoices(ctx: Context) {
      const client = await liveClient(ctx);
      const query = validated<ClientInvoicesQuery>(ctx, 'query');
      const order = parseSort(query.sort, INVOICE_SORT_FIELDS);
      const rows = await orm.em.fork().find(
        Invoice,
        {
          $and: [
            { client: client.id, deletedAt: null, ...(query.status ? { status: query.status } : {}) },
            afterListCursor(query.cursor, order),
          ],
        },
        { orderBy: orderByOf(order), limit: query.limit + 1 },
      );
      // Shown exactly as GET /api/finances/invoices shows an invoice.
      ctx.body = toSortedPage(rows, query.limit, order, presentInvoice);
    },
  };
}
