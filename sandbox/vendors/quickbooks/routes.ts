import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import { runCdc } from './cdc.js';
import { faults } from './errors.js';
import { idOf, keyOf, qboDateTime, qboTime } from './format.js';
import type { QboGrants } from './grants.js';
import { requireAccessToken } from './oauth.js';
import type { QuickbooksOptions } from './options.js';
import { runQuery } from './query.js';
import type { RealmRateLimiter } from './rate-limit.js';
import type { QboState } from './state.js';
import { tableNamed, visible, type EntityTable } from './tables.js';
import { QboView } from './views.js';
import { WRITES, type WriteResult } from './writes/index.js';
import type { Body } from './writes/common.js';

export interface CompanyApiDeps {
  sandbox: Sandbox;
  state: QboState;
  options: QuickbooksOptions;
  grants: () => QboGrants;
  limiter: RealmRateLimiter;
  /** Called after every successful write (webhooks). */
  onWrite(table: EntityTable, result: WriteResult): void;
}

function table(name: string): EntityTable {
  const found = tableNamed(name);
  if (!found || found.name.toLowerCase() !== name) {
    throw faults.invalidRequest(`the sandbox does not simulate /${name}`);
  }
  return found;
}

function reply(ctx: Context, name: string, entity: unknown): void {
  ctx.type = 'application/json';
  ctx.body = { [name]: entity, time: qboTime() };
}

/** The accounting API under `/v3/company/{realmId}`: query, CDC, and read/create/update/delete per entity. */
export function companyRouter(deps: CompanyApiDeps): Router {
  const { sandbox, state, options } = deps;
  const router = new Router({ prefix: '/v3/company/:realmId' });
  const view = () => new QboView(sandbox.world, state);

  router.use((ctx, next) => deps.limiter.handle(ctx.params.realmId ?? '', ctx, next));
  router.use(requireAccessToken(deps.grants, options));
  router.use(async (ctx, next) => {
    if (ctx.params.realmId !== ctx.state.tokenRealmId) throw faults.wrongRealm();
    await next();
  });
  // `POST /query` takes the statement as the body (Content-Type application/text).
  router.use(bodyParser({ enableTypes: ['json', 'text'], extendTypes: { text: ['application/text', 'text/plain'] } }));

  const query = (ctx: Context, text: unknown) => {
    if (typeof text !== 'string' || !text.trim()) throw faults.required('query');
    ctx.type = 'application/json';
    ctx.body = runQuery(view(), text, options.maxQueryResults);
  };
  router.get('/query', (ctx) => query(ctx, ctx.query.query));
  router.post('/query', (ctx) => query(ctx, ctx.request.body));

  router.get('/cdc', (ctx) => {
    const { entities, changedSince } = ctx.query;
    ctx.type = 'application/json';
    ctx.body = runCdc(
      view(),
      typeof entities === 'string' ? entities : undefined,
      typeof changedSince === 'string' ? changedSince : undefined,
      { lookbackDays: options.cdcLookbackDays, maxObjects: options.cdcMaxObjects },
    );
  });

  router.get('/companyinfo/:id', (ctx) => {
    if (ctx.params.id !== options.realmId) throw faults.notFound('CompanyInfo', ctx.params.id ?? '');
    const created = sandbox.world.generatedAt - 1500 * 86_400_000;
    reply(ctx, 'CompanyInfo', {
      CompanyName: 'Sandbox Field Services',
      LegalName: 'Sandbox Field Services LLC',
      CompanyAddr: { Line1: '100 Main St', City: 'Austin', CountrySubDivisionCode: 'TX', PostalCode: '78701' },
      Country: 'US',
      Email: { Address: 'office@sandbox-business.example' },
      domain: 'QBO',
      sparse: false,
      Id: '1',
      SyncToken: '0',
      MetaData: { CreateTime: qboDateTime(created), LastUpdatedTime: qboDateTime(created) },
    });
  });

  router.get('/:entity/:id', (ctx) => {
    const entity = table(ctx.params.entity ?? '');
    const current = view();
    const key = keyOf(ctx.params.id);
    const row = key === null ? undefined : entity.rows(current.world)[key];
    if (!row || !visible(entity, current, row)) throw faults.notFound(entity.name, ctx.params.id ?? '');
    reply(ctx, entity.name, entity.render(current, row));
  });

  router.post('/:entity', (ctx) => {
    const entity = table(ctx.params.entity ?? '');
    const body = ctx.request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw faults.invalidRequest('the request body must be a JSON object');
    }
    const operation = String(ctx.query.operation ?? 'create');
    const write =
      operation === 'create' || operation === 'update' || operation === 'delete'
        ? WRITES[entity.name][operation]
        : undefined;
    if (!write) throw faults.invalidRequest(`operation=${operation} is not supported for ${entity.name}`);
    const result = write({ world: sandbox.world, state, now: Date.now() }, body as Body);
    deps.onWrite(entity, result);
    if (result.action === 'delete') {
      return reply(ctx, entity.name, { status: 'Deleted', domain: 'QBO', Id: idOf(result.key) });
    }
    const current = view();
    reply(ctx, entity.name, entity.render(current, entity.rows(current.world)[result.key]!));
  });

  return router;
}
