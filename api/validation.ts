import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Context, Middleware } from 'koa';
import { AppError } from './errors.js';

/**
 * A JSON Schema (2020-12, the dialect of OpenAPI 3.1, so the OpenAPI builder can embed these as they are).
 * Loose on purpose: Ajv in strict mode is what rejects unknown keywords when a schema is compiled.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The top level of a body, query or params schema: an object that names every property it accepts. */
export interface ObjectSchema extends JsonSchema {
  readonly type: 'object';
  readonly properties: { readonly [name: string]: JsonSchema };
  readonly required?: readonly string[];
  readonly additionalProperties: false;
}

/** What a route declares; `validate()` keeps it on the middleware so the OpenAPI builder can read it back. */
export interface RouteSchemas {
  readonly body?: ObjectSchema | JsonSchema;
  readonly query?: ObjectSchema;
  readonly params?: ObjectSchema;
}

export type InputLocation = 'body' | 'query' | 'params';

/** One entry of `details` in a `validation_failed` error. */
export interface ValidationIssue {
  location: InputLocation;
  /** JSON Pointer into the input, '' for the input itself. */
  path: string;
  message: string;
}

export interface ValidatedInput {
  body?: unknown;
  query?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

export interface ValidatingMiddleware extends Middleware {
  readonly schemas: RouteSchemas;
}

function createAjv(coerceTypes: false | 'array'): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes });
  addFormats.default(ajv);
  // OpenAPI's annotation; harmless to validation, and strict mode would otherwise refuse it.
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

// Query strings and path segments are always text, so only they are coerced ("?limit=10" → 10, one "?tag=a" →
// ["a"]); a JSON body must already carry the right types.
const bodyAjv = createAjv(false);
const inputAjv = createAjv('array');

/**
 * Open objects must be a decision, not an omission: every object with `properties` says
 * `additionalProperties: false` (or gives a schema for the extra values). Checked once, when the route is built.
 */
function assertClosedObjects(schema: unknown, where: string): void {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => assertClosedObjects(item, `${where}/${index}`));
    return;
  }
  const node = schema as Record<string, unknown>;
  const open = node.additionalProperties === undefined || node.additionalProperties === true;
  if (node.properties !== undefined && open && node.unevaluatedProperties === undefined) {
    throw new Error(`Schema ${where} must set additionalProperties (false, or a schema for the extra values)`);
  }
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'properties' && value && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value)) assertClosedObjects(sub, `${where}/properties/${name}`);
    } else if (typeof value === 'object' && !ANNOTATIONS.has(keyword)) {
      assertClosedObjects(value, `${where}/${keyword}`);
    }
  }
}

/** Keywords whose values are data, not schemas. */
const ANNOTATIONS = new Set(['enum', 'const', 'default', 'example', 'examples']);

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function toIssue(location: InputLocation, error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return {
      location,
      path: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`,
      message: 'is required',
    };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      location,
      path: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`,
      message: 'is not allowed',
    };
  }
  return { location, path: error.instancePath, message: error.message ?? 'is invalid' };
}

function compile(ajv: Ajv2020, schema: JsonSchema, location: InputLocation): ValidateFunction {
  assertClosedObjects(schema, location);
  return ajv.compile(schema);
}

function isJsonRequest(ctx: Context): boolean | null {
  // type-is counts `Content-Length: 0` as a body; a POST without one (logout) is a request with no body at all.
  if (ctx.get('Content-Length') === '0') return null;
  const type = ctx.request.is('application/json', '+json');
  return type === null ? null : type !== false;
}

/**
 * Route middleware: checks body, query and params against their schemas and puts the results on
 * `ctx.state.input` (read them with `validated()`). On failure it throws `validation_failed` (400) with one
 * detail per problem; a body that is there but is not JSON is a 415.
 */
export function validate(schemas: RouteSchemas): ValidatingMiddleware {
  const checks: Array<[InputLocation, ValidateFunction]> = [];
  if (schemas.params) checks.push(['params', compile(inputAjv, schemas.params, 'params')]);
  if (schemas.query) checks.push(['query', compile(inputAjv, schemas.query, 'query')]);
  if (schemas.body) checks.push(['body', compile(bodyAjv, schemas.body, 'body')]);

  const middleware: Middleware = async (ctx, next) => {
    if (schemas.body && isJsonRequest(ctx) === false) {
      throw new AppError('unsupported_media_type', 415, 'Request body must be application/json');
    }
    const input: ValidatedInput = { ...ctx.state.input };
    const raw: Record<InputLocation, unknown> = {
      params: { ...(ctx as Context & { params?: Record<string, string> }).params },
      query: { ...ctx.query },
      body: ctx.request.body ?? {},
    };
    const issues: ValidationIssue[] = [];
    for (const [location, check] of checks) {
      const value = raw[location];
      if (check(value)) {
        if (location === 'body') input.body = value;
        else input[location] = value as Record<string, unknown>;
      } else {
        issues.push(...(check.errors ?? []).map((error) => toIssue(location, error)));
      }
    }
    if (issues.length > 0) {
      throw new AppError('validation_failed', 400, 'Request validation failed', issues);
    }
    ctx.state.input = input;
    await next();
  };
  return Object.assign(middleware, { schemas });
}

/**
 * Checks a value against a body schema outside HTTP (command-line tools), with the same rules and the same
 * problem descriptions as `validate()`; returns the problems, none when the value is valid.
 */
export function bodyChecker(schema: JsonSchema): (value: unknown) => ValidationIssue[] {
  const check = compile(bodyAjv, schema, 'body');
  return (value) => (check(value) ? [] : (check.errors ?? []).map((error) => toIssue('body', error)));
}

/** The validated (and, for query and params, coerced) input of a location `validate()` checked. */
export function validated<T>(ctx: Context, location: InputLocation): T {
  const input = ctx.state.input;
  if (!input || !(location in input)) {
    throw new Error(`validated(ctx, '${location}') read input that no validate() schema checked`);
  }
  return input[location] as T;
}

/** A query that accepts no parameters: any one given is a 400 naming it. */
export const emptyQuery = {
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** Path parameters of a route addressing one record by its UUID (`/:id`). */
export const uuidIdParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const satisfies ObjectSchema;
