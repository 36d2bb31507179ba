import { bodyParser } from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import type { Sandbox, VendorFactory, VendorSimulator, WorldChange } from '../../core/sandbox.js';
import { TokenStore } from '../../core/tokens.js';
import { authMiddleware } from './auth.js';
import { changeSetFor, type ChangeKind } from './changes.js';
import type { ApiDeps } from './context.js';
import { clientsTable } from './clients-table.js';
import { errorMiddleware, faultRenderers } from './errors.js';
import { airtableId, recordId } from './ids.js';
import { jobsTable } from './jobs-table.js';
import { oauthRouter } from './oauth.js';
import { DEFAULT_OPTIONS, type AirtableSimulatorOptions } from './options.js';
import { RateLimiter, rateLimitMiddleware } from './rate-limit.js';
import { recordsRouter } from './records-routes.js';
import { BASE_ID, BASE_NAME, findRow } from './schema.js';
import type { AirtableState } from './state.js';
import type { TableDef } from './tables.js';
import { WebhookRegistry } from './webhook-registry.js';
import { webhookRouter } from './webhook-routes.js';

export type { AirtableSimulatorOptions } from './options.js';

/** Sandbox credentials, published in `info()`. PAT format: `pat` + 14 characters + `.` + 64 hex. */
const PERSONAL_ACCESS_TOKEN = `${airtableId('pat', 'sandbox')}.${'5a4db0c5'.repeat(8)}`;
const OAUTH_CLIENT_ID = 'sandbox-airtable-client';
const OAUTH_SCOPES = 'data.records:read data.records:write schema.bases:read webhook:manage';
const SANDBOX_WEBHOOK = {
  id: airtableId('ach', 'sandbox'),
  macSecretBase64: Buffer.from('airtable-sandbox-webhook-mac-secret-0001').toString('base64'),
};
const USER = {
  id: airtableId('usr', 'sandbox'),
  email: 'owner@sandbox.example.com',
  name: 'Sandbox Owner',
  permissionLevel: 'create' as const,
};

const only = (prefix: string, middleware: Middleware): Middleware =>
  async function (ctx, next) {
    return ctx.path.startsWith(prefix) ? middleware(ctx, next) : next();
  };

/** Factory with options (rate-limit numbers, token life, webhook retry schedule…). */
export function airtableSimulator(options: AirtableSimulatorOptions = {}): VendorFactory {
  const config = { ...DEFAULT_OPTIONS, ...options };
  return (sandbox: Sandbox): VendorSimulator => {
    const tokens = new TokenStore('oaa', config.accessTokenTtlSeconds, true);
    const freshState = (): AirtableState => ({
      hiddenJobs: new Set(),
      iterators: new Map(),
      baseLimiter: new RateLimiter(config.perBasePerSecond, config.penaltyMs),
      tokenLimiter: new RateLimiter(config.perTokenPerSecond, config.penaltyMs),
      webhooks: new WebhookRegistry(
        sandbox,
        BASE_ID,
        { retryDelaysMs: config.webhookRetryDelaysMs, timeoutMs: config.webhookTimeoutMs },
        SANDBOX_WEBHOOK,
      ),
    });
    let state = freshState();
    const deps: ApiDeps = {
      sandbox,
      state: () => state,
      unknownBaseStatus: config.unknownBaseStatus,
      unknownTableStatus: config.unknownTableStatus,
      user: USER,
    };
    const oauth = oauthRouter(
      {
        clientId: OAUTH_CLIENT_ID,
        clientSecret: config.oauthClientSecret,
        refreshTtlSeconds: config.refreshTokenTtlSeconds,
      },
      tokens,
    );
    const webhooks = webhookRouter(deps);
    const records = recordsRouter(deps);

    const app = new Koa();
    app.use(sandbox.faults.middleware('airtable', faultRenderers));
    app.use(errorMiddleware);
    app.use(bodyParser());
    app.use(oauth.routes());
    app.use(only('/v0/', authMiddleware([PERSONAL_ACCESS_TOKEN], tokens)));
    app.use(
      only(
        '/v0/',
        rateLimitMiddleware(sandbox, () => state),
      ),
    );
    // Webhook and metadata routes first: `/v0/bases/…` and `/v0/meta/…` would also match `/v0/{baseId}/{table}`.
    app.use(webhooks.routes());
    app.use(records.routes());
    app.use(async (ctx) => {
      ctx.status = 404;
      ctx.body = { error: 'NOT_FOUND' };
    });

    const tableFor = (change: WorldChange): TableDef | null =>
      change.entity === 'customer' ? clientsTable : change.entity === 'job' ? jobsTable : null;

    return {
      vendor: 'airtable',
      app,
      info() {
        const base = sandbox.baseUrl('airtable');
        const grant = tokens.issue(OAUTH_SCOPES);
        return {
          endpointUrl: base,
          baseId: BASE_ID,
          baseName: BASE_NAME,
          tables: { Clients: clientsTable.id, Jobs: jobsTable.id },
          personalAccessToken: PERSONAL_ACCESS_TOKEN,
          oauth: {
            clientId: OAUTH_CLIENT_ID,
            clientSecret: config.oauthClientSecret,
            authorizeUrl: `${base}/oauth2/v1/authorize`,
            tokenUrl: `${base}/oauth2/v1/token`,
            scopes: OAUTH_SCOPES,
            pkce: 'S256',
            accessToken: grant.accessToken,
            refreshToken: grant.refreshToken,
            expiresIn: grant.expiresIn,
          },
          webhook: {
            id: SANDBOX_WEBHOOK.id,
            macSecretBase64: SANDBOX_WEBHOOK.macSecretBase64,
            signatureHeader: 'X-Airtable-Content-MAC',
            payloadsUrl: `${base}/v0/bases/${BASE_ID}/webhooks/${SANDBOX_WEBHOOK.id}/payloads`,
          },
          rateLimits: {
            perBasePerSecond: config.perBasePerSecond,
            perTokenPerSecond: config.perTokenPerSecond,
            penaltyMs: config.penaltyMs,
          },
          user: USER,
        };
      },
      reset() {
        state = freshState();
      },
      authFault(kind) {
        if (kind === 'token_expiry_now') tokens.expireAllAccessTokens();
        else tokens.revokeAllRefreshTokens();
      },
      async onChange(change) {
        const table = tableFor(change);
        if (!table) return;
        const world = sandbox.world;
        const row = table.rows(world)[change.key];
        if (!row) return;
        const kind: ChangeKind = change.action === 'delete' ? 'destroy' : change.action;
        if (kind === 'destroy') {
          // Airtable only reports rows it had: not customers missing from it, not rows deleted through its API.
          const hadRow =
            table === clientsTable
              ? !world.customers[row.key]!.variants.airtable?.missing
              : !state.hiddenJobs.has(row.key);
          if (!hadRow) return;
        } else if (!findRow(table, recordId(table.name, row.key), world, state)) {
          return;
        }
        state.webhooks.record(changeSetFor(table, kind, [row], world, state), 'client', USER);
      },
    };
  };
}

export const createAirtableSimulator: VendorFactory = airtableSimulator();
