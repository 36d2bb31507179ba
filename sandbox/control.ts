import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import { Ajv, type ValidateFunction } from 'ajv';
import Koa, { type Context } from 'koa';
import { applyMutation, MutationError, type MutationRequest } from './core/mutations.js';
import { AUTH_FAULTS, SANDBOX_VENDORS, type AuthFault, type SandboxVendor } from './core/sandbox.js';
import type { FaultRule } from './core/faults.js';
import { countsOf, SCALES, type ScaleName } from './core/world.js';
import type { RunningSandbox } from './server.js';

const ajv = new Ajv({ allErrors: true });
const vendor = { type: 'string', enum: SANDBOX_VENDORS };
const rate = { type: 'number', minimum: 0, maximum: 1 };
/** A reaction on one Slack message, named by world key or by channel (id or name) and ts. */
const slackReaction = {
  type: 'object',
  properties: {
    messageKey: { type: 'integer', minimum: 0 },
    channel: { type: 'string', minLength: 1 },
    ts: { type: 'string', minLength: 1 },
    name: { type: 'string', pattern: "^:?[a-z0-9_+'-]+:?$" },
    user: { type: 'string', minLength: 1 },
  },
  required: ['name', 'user'],
  anyOf: [{ required: ['messageKey'] }, { required: ['channel', 'ts'] }],
  additionalProperties: false,
};

const schemas = {
  reset: {
    type: 'object',
    properties: {
      seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
      scale: {
        anyOf: [
          { type: 'string', enum: Object.keys(SCALES) },
          { type: 'integer', minimum: 1, maximum: 200000 },
        ],
      },
    },
    additionalProperties: false,
  },
  fault: {
    type: 'object',
    properties: {
      vendor,
      endpoint: { type: 'string', minLength: 1, maxLength: 200 },
      errorRate: rate,
      throttleRate: rate,
      malformedRate: rate,
      latencyMs: { type: 'integer', minimum: 0, maximum: 600000 },
      hang: { type: 'boolean' },
      loseResponse: { type: 'boolean' },
      times: { type: 'integer', minimum: 1 },
      auth: { type: 'string', enum: AUTH_FAULTS },
    },
    required: ['vendor'],
    additionalProperties: false,
  },
  mutate: {
    type: 'object',
    properties: {
      entity: {
        type: 'string',
        enum: [
          'customer',
          'job',
          'quote',
          'invoice',
          'payment',
          'expense',
          'calendarEvent',
          'email',
          'slackMessage',
          'slackReaction',
          'sms',
        ],
      },
      action: { type: 'string', enum: ['create', 'update', 'delete'] },
      key: { type: 'integer', minimum: 0 },
      changes: { type: 'object' },
    },
    required: ['entity', 'action'],
    additionalProperties: false,
    if: { properties: { entity: { const: 'slackReaction' } } },
    then: { properties: { action: { enum: ['create', 'delete'] }, changes: slackReaction }, required: ['changes'] },
  },
  settings: {
    type: 'object',
    properties: {
      rateLimits: { type: 'boolean' },
      webhookUrls: {
        type: 'object',
        propertyNames: vendor,
        additionalProperties: { anyOf: [{ type: 'string', pattern: '^https?://' }, { type: 'null' }] },
      },
    },
    additionalProperties: false,
  },
} as const;

const validators: Record<keyof typeof schemas, ValidateFunction> = {
  reset: ajv.compile(schemas.reset),
  fault: ajv.compile(schemas.fault),
  mutate: ajv.compile(schemas.mutate),
  settings: ajv.compile(schemas.settings),
};

function body<T>(ctx: Context, schema: keyof typeof schemas): T {
  const value: unknown = ctx.request.body ?? {};
  const check = validators[schema];
  if (!check(value)) {
    ctx.throw(400, JSON.stringify({ error: 'invalid_request', details: check.errors }));
  }
  return value as T;
}

/**
 * The sandbox's control API (contracts: `GET /_sandbox`, reset, faults, mutate, deliveries), used by tests,
 * benchmarks and `npm start`. Not a vendor protocol: plain JSON.
 */
export function createControlApp(running: RunningSandbox): Koa {
  const { sandbox } = running;
  const router = new Router({ prefix: '/_sandbox' });

  router.get('/', (ctx) => {
    const vendors: Record<string, Record<string, unknown>> = {};
    for (const [name, simulator] of running.simulators) {
      vendors[name] = { baseUrl: sandbox.baseUrl(name), ...simulator.info() };
    }
    ctx.body = {
      vendors,
      counts: countsOf(sandbox.world),
      seed: sandbox.world.seed,
      scale: sandbox.world.scale,
      settings: sandbox.settings,
      requests: sandbox.faults.requestCounts(),
    };
  });

  router.post('/reset', (ctx) => {
    const { seed, scale } = body<{ seed?: number; scale?: ScaleName | number }>(ctx, 'reset');
    running.reset(seed, scale);
    ctx.body = { seed: sandbox.world.seed, scale: sandbox.world.scale, counts: countsOf(sandbox.world) };
  });

  router.get('/faults', (ctx) => {
    ctx.body = { faults: sandbox.faults.list() };
  });

  router.post('/faults', (ctx) => {
    const rule = body<FaultRule & { auth?: AuthFault }>(ctx, 'fault');
    if (rule.auth) {
      const simulator = running.simulators.get(rule.vendor as SandboxVendor);
      if (!simulator?.authFault) return ctx.throw(400, `${rule.vendor} has no OAuth tokens to fault`);
      simulator.authFault(rule.auth);
    } else {
      sandbox.faults.add(rule);
    }
    ctx.status = 201;
    ctx.body = { faults: sandbox.faults.list() };
  });

  router.delete('/faults', (ctx) => {
    const name = typeof ctx.query.vendor === 'string' ? ctx.query.vendor : undefined;
    sandbox.faults.clear(name);
    ctx.status = 204;
  });

  router.post('/mutate', async (ctx) => {
    const request = body<MutationRequest>(ctx, 'mutate');
    let change;
    try {
      change = applyMutation(sandbox.world, request);
    } catch (error) {
      if (error instanceof MutationError) ctx.throw(404, error.message);
      throw error;
    }
    await Promise.all([...running.simulators.values()].map((simulator) => simulator.onChange?.(change)));
    ctx.body = { change };
  });

  router.get('/deliveries', (ctx) => {
    const filter = {
      ...(typeof ctx.query.vendor === 'string' ? { vendor: ctx.query.vendor } : {}),
      ...(typeof ctx.query.kind === 'string' ? { kind: ctx.query.kind } : {}),
    };
    ctx.body = { deliveries: sandbox.deliveries.list(filter) };
  });

  router.post('/settings', (ctx) => {
    const changes = body<{ rateLimits?: boolean; webhookUrls?: Record<string, string | null> }>(ctx, 'settings');
    if (changes.rateLimits !== undefined) sandbox.settings.rateLimits = changes.rateLimits;
    for (const [name, url] of Object.entries(changes.webhookUrls ?? {})) {
      if (url === null) delete sandbox.settings.webhookUrls[name as SandboxVendor];
      else sandbox.settings.webhookUrls[name as SandboxVendor] = url;
    }
    ctx.body = { settings: sandbox.settings };
  });

  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      ctx.status = status;
      const message = (error as Error).message;
      ctx.body = message.startsWith('{') ? JSON.parse(message) : { error: status < 500 ? message : 'internal error' };
    }
  });
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
