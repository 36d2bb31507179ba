import { Router } from '@koa/router';
import { SECURITY_SEVERITIES } from '../../../db/entities/enums.js';
import { SecurityEvent } from '../../../db/entities/index.js';
import { SECURITY_EVENT_TYPES } from '../../../db/repositories/security-events.js';
import { requirePermission } from '../../auth/access.js';
import type { AppDeps } from '../../deps.js';
import { afterCursor, pageQueryProperties, toPage } from '../../pagination.js';
import { validate, validated, type ObjectSchema } from '../../validation.js';

const listQuery = {
  type: 'object',
  properties: {
    type: { type: 'array', items: { type: 'string', enum: SECURITY_EVENT_TYPES }, maxItems: 20 },
    severity: { type: 'array', items: { type: 'string', enum: SECURITY_SEVERITIES }, maxItems: 3 },
    userId: { type: 'string', format: 'uuid' },
    email: { type: 'string', minLength: 1, maxLength: 254 },
    ip: { type: 'string', minLength: 1, maxLength: 64 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

interface ListQuery {
  type?: string[];
  severity?: string[];
  userId?: string;
  email?: string;
  ip?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export function presentSecurityEvent(event: SecurityEvent) {
  return {
    id: event.id,
    type: event.type,
    severity: event.severity,
    userId: event.user?.id ?? null,
    email: event.email ?? null,
    ip: event.ip ?? null,
    userAgent: event.userAgent ?? null,
    details: event.details ?? {},
    createdAt: event.createdAt.toISOString(),
  };
}

/** /api/security-events: the security log, newest first, for admins. */
export function securityEventsRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/security-events' });
  router.get('/', requirePermission(deps.orm, 'security-events:read'), validate({ query: listQuery }), async (ctx) => {
    const query = validated<ListQuery>(ctx, 'query');
    const filters: Record<string, unknown>[] = [afterCursor(query.cursor)];
    if (query.type) filters.push({ type: { $in: query.type } });
    if (query.severity) filters.push({ severity: { $in: query.severity } });
    if (query.userId) filters.push({ user: query.userId });
    if (query.email) filters.push({ email: query.email.trim().toLowerCase() });
    if (query.ip) filters.push({ ip: query.ip });
    if (query.since) filters.push({ createdAt: { $gte: new Date(query.since) } });
    if (query.until) filters.push({ createdAt: { $lt: new Date(query.until) } });
    const rows = await deps.orm.em
      .fork()
      .find(SecurityEvent, { $and: filters }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    ctx.body = toPage(rows, query.limit, presentSecurityEvent);
  });
  return router;
}
