import { execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import type { Context } from 'koa';
import { queryCost } from './cost.js';
import { mutationResolvers } from './mutations.js';
import type { JobberOptions } from './options.js';
import { queryResolvers, type GraphqlContext } from './queries.js';
import type { CostBucket, RequestWindow, ThrottleStatus } from './rate-limits.js';
import { schema } from './schema.js';
import { resolveVersion, type Versioning } from './versioning.js';

export const VERSION_HEADER = 'x-jobber-graphql-version';
const RATE_LIMIT_DOCS = 'https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits';
const rootValue = { ...queryResolvers, ...mutationResolvers };

export interface GraphqlEndpoint {
  options: JobberOptions;
  rateLimits(): boolean;
  /** The grant's account for the request's bearer token, or null. */
  authenticate(authorization: string | undefined): string | null;
  bucket(): CostBucket;
  ddosGuard(): RequestWindow;
  context(): GraphqlContext;
}

interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function cost(requested: number, actual: number, throttleStatus: ThrottleStatus) {
  return { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus };
}

/** Jobber's THROTTLED reply: errors[] and extensions.cost, no data (vendor-facts §1.4). */
export function throttledBody(requested: number, throttleStatus: ThrottleStatus, versioning?: Versioning) {
  return {
    errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMIT_DOCS } }],
    extensions: { cost: cost(requested, 0, throttleStatus), ...(versioning ? { versioning } : {}) },
  };
}

async function readText(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

/** `POST /api/graphql`: auth, DDoS guard, version header, JSON only, then cost-checked execution. */
export function graphqlHandler(endpoint: GraphqlEndpoint) {
  return async (ctx: Context): Promise<void> => {
    const { options } = endpoint;
    if (endpoint.authenticate(ctx.get('authorization') || undefined) === null) {
      return reply(ctx, 401, options.unauthorizedBody);
    }
    const limited = endpoint.rateLimits();
    if (limited && !endpoint.ddosGuard().hit()) {
      // Rack::Attack's default throttled response.
      ctx.status = 429;
      ctx.type = 'text/plain';
      ctx.body = 'Retry later\n';
      return;
    }
    const versioning = resolveVersion(ctx.get(VERSION_HEADER) || undefined, options);
    if (!versioning) return reply(ctx, options.missingVersion.status, options.missingVersion.body);
    // Since 2024-04-02 Jobber accepts JSON bodies only; form-encoded and multipart requests are rejected.
    if (!ctx.is('application/json')) {
      return reply(ctx, 415, { errors: [{ message: 'Unsupported Media Type: requests must be application/json' }] });
    }

    let body: GraphqlBody;
    try {
      body = JSON.parse(await readText(ctx)) as GraphqlBody;
    } catch {
      return reply(ctx, 400, { errors: [{ message: 'Invalid JSON in request body' }] });
    }
    const extensions = { versioning };
    if (typeof body !== 'object' || body === null || typeof body.query !== 'string' || body.query.trim() === '') {
      return reply(ctx, 200, { errors: [{ message: 'No query string was present' }], extensions });
    }
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (error) {
      return reply(ctx, 200, { errors: [(error as GraphQLError).toJSON()], extensions });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return reply(ctx, 200, { errors: invalid.map((error) => error.toJSON()), extensions });

    const variables = (typeof body.variables === 'object' && body.variables ? body.variables : {}) as Record<
      string,
      unknown
    >;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const price = queryCost(schema, document, operationName, variables, options.maxPageSize);
    const bucket = endpoint.bucket();
    if (limited) {
      const status = bucket.status();
      if (price.requested > status.currentlyAvailable) {
        return reply(ctx, options.throttledStatus, throttledBody(price.requested, status, versioning));
      }
    }

    const result = await execute({
      schema,
      document,
      rootValue,
      contextValue: endpoint.context(),
      variableValues: variables,
      operationName,
    });
    const actual = price.actual(result.data);
    const throttleStatus = limited ? bucket.take(actual) : bucket.full();
    reply(ctx, 200, {
      ...(result.errors ? { errors: result.errors.map((error) => error.toJSON()) } : {}),
      data: result.data ?? null,
      extensions: { cost: cost(price.requested, actual, throttleStatus), versioning },
    });
  };
}
