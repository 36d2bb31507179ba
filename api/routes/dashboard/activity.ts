import type { EntityManager } from '@mikro-orm/postgresql';
import {
  readActivityFeed,
  type ActivityPosition,
  type ActivityRow,
  type ActivityType,
} from '../../../db/repositories/activity-feed.js';
import { AppError } from '../../errors.js';
import type { Page } from '../../pagination.js';

export interface ActivityItem {
  /** `<source>:<row id>`: unique across the feed's sources. */
  id: string;
  type: ActivityType;
  /** What happened: completed, failed, inbound, outbound, created, updated, deleted, note. */
  event: string;
  at: string;
  title: string;
  detail: string | null;
  links: { jobId?: string; clientId?: string; workflowId?: string };
}

const CHANNEL_NAMES: Record<string, string> = { sms: 'SMS', email: 'Email', slack: 'Slack message' };

function syncDetail(row: ActivityRow): string | null {
  if (row.event === 'failed') return row.excerpt;
  const counts = row.metadata ?? {};
  const parts = (['fetched', 'inserted', 'updated', 'deleted'] as const)
    .filter((key) => typeof counts[key] === 'number')
    .map((key) => `${String(counts[key])} ${key}`);
  return parts.length ? parts.join(', ') : null;
}

function describe(row: ActivityRow): Pick<ActivityItem, 'type' | 'title' | 'detail'> {
  switch (row.source) {
    case 'sync':
      return {
        type: 'sync',
        title: `${row.label ?? 'unknown'} ${row.subject ?? ''} sync ${row.event}`.replace(/\s+/g, ' '),
        detail: syncDetail(row),
      };
    case 'message': {
      const channel = CHANNEL_NAMES[row.label ?? ''] ?? 'Message';
      const verb = row.event === 'inbound' ? 'received from' : 'sent to';
      return { type: 'message', title: `${channel} ${verb} ${row.subject ?? 'unknown'}`, detail: row.excerpt };
    }
    case 'job':
      return { type: 'job', title: `Job "${row.subject ?? ''}" ${row.event}`, detail: `Status: ${row.label ?? ''}` };
    case 'job_note':
      return { type: 'job', title: `Note on job "${row.subject ?? ''}"`, detail: row.excerpt };
  }
}

function present(row: ActivityRow): ActivityItem {
  return {
    id: `${row.source}:${row.id}`,
    event: row.event,
    at: new Date(row.at).toISOString(),
    ...describe(row),
    links: {
      ...(row.job_id ? { jobId: row.job_id } : {}),
      ...(row.client_id ? { clientId: row.client_id } : {}),
      ...(row.workflow_id ? { workflowId: row.workflow_id } : {}),
    },
  };
}

function encodeActivityCursor(row: ActivityRow): string {
  const position: ActivityPosition = { at: row.at_text, id: row.id };
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

const MICROSECOND_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function decodeActivityCursor(cursor: string): ActivityPosition {
  let position: Partial<ActivityPosition> | null = null;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<ActivityPosition> | null;
  } catch {
    // reported below, like any other cursor this API did not issue
  }
  if (
    !position ||
    typeof position.at !== 'string' ||
    !MICROSECOND_TIMESTAMP.test(position.at) ||
    Number.isNaN(Date.parse(position.at)) ||
    typeof position.id !== 'string' ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(position.id)
  ) {
    throw new AppError('validation_failed', 400, 'Request validation failed', [
      { location: 'query', path: '/cursor', message: 'is not a cursor this API issued' },
    ]);
  }
  return { at: position.at, id: position.id };
}

/** One page of the activity feed, newest first, in the standard list envelope. */
export async function activityPage(
  em: EntityManager,
  query: { type?: ActivityType[]; limit: number; cursor?: string },
): Promise<Page<ActivityItem>> {
  const after = query.cursor ? decodeActivityCursor(query.cursor) : undefined;
  const rows = await readActivityFeed(em, {
    types: query.type ?? ['sync', 'message', 'job'],
    limit: query.limit,
    ...(after ? { after } : {}),
  });
  const visible = rows.slice(0, query.limit);
  const last = visible.at(-1);
  return {
    data: visible.map(present),
    page: { limit: query.limit, nextCursor: rows.length > query.limit && last ? encodeActivityCursor(last) : null },
  };
}
