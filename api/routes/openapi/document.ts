import type { Layer } from '@koa/router';
import type { PermissionGuard } from '../../auth/access.js';
import { PERMISSIONS } from '../../auth/permissions.js';
import { isPublicPath } from '../../middleware/auth.js';
import type { JsonSchema, RouteSchemas, ValidatingMiddleware } from '../../validation.js';

/** One documented operation: what the route table holds, before it becomes OpenAPI. */
export interface RouteOperation {
  method: string;
  /** The Koa path (`/api/jobs/:id`). */
  path: string;
  schemas: RouteSchemas;
  permission: string | null;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const DOCUMENTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function isValidating(middleware: unknown): middleware is ValidatingMiddleware {
  return typeof middleware === 'function' && 'schemas' in middleware;
}

function isPermissionGuard(middleware: unknown): middleware is PermissionGuard {
  return typeof middleware === 'function' && 'permission' in middleware;
}

/**
 * Every route of the table with its methods and the schemas its `validate()` checks: the same objects that validate
 * requests, so the document cannot drift from what the API accepts. HEAD (added by the router for each GET) and
 * middleware-only layers are left out.
 */
export function routeOperations(stack: readonly Layer[]): RouteOperation[] {
  const operations: RouteOperation[] = [];
  for (const layer of stack) {
    if (typeof layer.path !== 'string') continue;
    const validating = layer.stack.find(isValidating);
    const guard = layer.stack.find(isPermissionGuard);
    for (const method of layer.methods) {
      if (!(DOCUMENTED_METHODS as readonly string[]).includes(method)) continue;
      operations.push({
        method,
        path: layer.path,
        schemas: validating?.schemas ?? {},
        permission: guard?.permission ?? null,
      });
    }
  }
  return operations;
}

/** `/api/jobs/:id/notes` → `/api/jobs/{id}/notes`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part && part !== 'api')
    .map((part) => part.replace(/^:/, 'by-'))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

function tagOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  return segments[0] === 'api' ? (segments[1] ?? 'api') : 'operations';
}

function propertiesOf(schema: JsonSchema | undefined): Array<[string, JsonSchema]> {
  const properties = schema?.properties as Record<string, JsonSchema> | undefined;
  return properties ? Object.entries(properties) : [];
}

function parameters(operation: RouteOperation): Array<Record<string, unknown>> {
  const pathNames = [...operation.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
  const pathSchemas = new Map(propertiesOf(operation.schemas.params));
  const inPath = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: pathSchemas.get(name) ?? { type: 'string' },
  }));
  const required = new Set((operation.schemas.query?.required as string[] | undefined) ?? []);
  const inQuery = propertiesOf(operation.schemas.query).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema,
  }));
  return [...inPath, ...inQuery];
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function responses(operation: RouteOperation, isPublic: boolean): Record<string, unknown> {
  const validated = Object.keys(operation.schemas).length > 0;
  return {
    '2XX': { description: 'Success' },
    ...(validated ? { '400': errorResponse('Invalid input: one detail per problem, with its JSON Pointer path') } : {}),
    ...(isPublic ? {} : { '401': errorResponse('Missing, invalid or expired credentials') }),
    ...(operation.permission ? { '403': errorResponse(`The caller lacks ${operation.permission}`) } : {}),
    ...(operation.path.includes(':') ? { '404': errorResponse('No such resource') } : {}),
    '429': errorResponse('Rate limit exceeded; see Retry-After'),
    default: errorResponse('Any other error, in the same shape'),
  };
}

function toOperation(operation: RouteOperation): Record<string, unknown> {
  const isPublic = isPublicPath(operation.path.replace(/:[A-Za-z0-9_]+/g, 'x'));
  const roles = operation.permission ? PERMISSIONS[operation.permission as keyof typeof PERMISSIONS] : null;
  const body = operation.schemas.body;
  return {
    operationId: operationId(operation.method, operation.path),
    tags: [tagOf(operation.path)],
    summary: `${operation.method} ${operation.path}`,
    ...(roles ? { description: `Requires ${operation.permission} (roles: ${roles.join(', ')}).` } : {}),
    ...(isPublic ? { security: [] } : {}),
    parameters: parameters(operation),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: responses(operation, isPublic),
    ...(operation.permission ? { 'x-permission': operation.permission } : {}),
  };
}

/** The OpenAPI 3.1 document of a route table. */
export function buildOpenApiDocument(operations: readonly RouteOperation[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const path = openApiPath(operation.path);
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: toOperation(operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'business-dashboard API',
      version,
      description:
        'One dashboard over Jobber, QuickBooks, Google, Slack, Twilio, SendGrid and Airtable. Generated from the ' +
        'ajv schemas that validate each request. Authenticate with POST /api/auth/login, then send ' +
        '`Authorization: Bearer <accessToken>` (or an API key).',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Access token (JWT) or API key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'requestId'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {},
                requestId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}
