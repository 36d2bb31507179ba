import type { Permission } from '../auth/permissions.js';
import { clientRoom, syncRoom, userRoom } from './rooms.js';

/** A JSON Schema (draft 2020-12 subset ajv compiles); kept as plain data so the docs can print it. */
export type PayloadSchema = Record<string, unknown>;

/**
 * Who receives one event:
 * - `permission`: only sockets whose role has it, wherever the event is sent;
 * - `toRoles`: every socket of those roles gets it (the dashboard-wide events);
 * - `rooms`: the subscription and user rooms the payload names (a sync's page, a client's detail view).
 */
export interface EventAudience {
  permission: Permission;
  toRoles: boolean;
  rooms: string[];
}

export interface RealtimeEventDefinition {
  /** One line for the catalogue (README "Realtime events"). */
  description: string;
  payload: PayloadSchema;
  audience(payload: Record<string, unknown>): EventAudience;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const count = { type: 'integer', minimum: 0 } as const;

/** `at` (when the event was published) is added to every payload on delivery. */
function payload(properties: Record<string, unknown>, required: string[]): PayloadSchema {
  return {
    type: 'object',
    properties: { ...properties, at: isoTime },
    required: [...required, 'at'],
    // New fields may be added to an event without a new name; clients ignore what they do not know.
    additionalProperties: true,
  };
}

const syncIdentity = {
  workflowId: { type: 'string', minLength: 1 },
  connectionId: uuid,
  resource: { type: 'string', minLength: 1 },
  mode: { enum: ['full', 'incremental'] },
};
const syncRequired = ['workflowId', 'connectionId', 'resource', 'mode'];

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const roomsOf = (...rooms: Array<string | undefined>): string[] => rooms.filter((room) => room !== undefined);
const clientRoomOf = (payload: Record<string, unknown>): string | undefined => {
  const clientId = stringOf(payload.clientId);
  return clientId ? clientRoom(clientId) : undefined;
};
const syncRoomOf = (payload: Record<string, unknown>): string | undefined => {
  const workflowId = stringOf(payload.workflowId);
  return workflowId ? syncRoom(workflowId) : undefined;
};

/** Alerts go to whoever may read what they are about, as in GET /api/dashboard/alerts. */
const ALERT_PERMISSION: Record<string, Permission> = {
  security: 'security-events:read',
  sync: 'syncs:read',
  connection: 'syncs:read',
  finance: 'finances:read',
  custom: 'dashboard:read',
};

/**
 * Every event a socket can receive. The worker and the API publish them on the Redis events channel
 * (db/event-channel.ts); each API instance checks the payload against its schema and delivers it to the rooms its
 * audience names. An event that is not here, or whose payload does not match, is not delivered (and is logged).
 */
export const REALTIME_EVENTS = {
  'sync.progress': {
    description: "A sync started, or stored one more page. Sent only to the sync's subscribers (it is frequent).",
    payload: payload(
      {
        ...syncIdentity,
        phase: { enum: ['started', 'page'] },
        page: count,
        fetched: count,
      },
      syncRequired,
    ),
    audience: (p) => ({ permission: 'syncs:read', toRoles: false, rooms: roomsOf(syncRoomOf(p)) }),
  },
  'sync.completed': {
    description: 'A sync pass finished; the totals of what it stored.',
    payload: payload(
      { ...syncIdentity, fetched: count, inserted: count, updated: count, merged: count, deleted: count },
      syncRequired,
    ),
    audience: (p) => ({ permission: 'syncs:read', toRoles: true, rooms: roomsOf(syncRoomOf(p)) }),
  },
  'sync.failed': {
    description: 'A sync pass failed or was cancelled, with the reason.',
    payload: payload({ ...syncIdentity, error: { type: 'string' }, cancelled: { type: 'boolean' } }, [
      ...syncRequired,
      'error',
    ]),
    audience: (p) => ({ permission: 'syncs:read', toRoles: true, rooms: roomsOf(syncRoomOf(p)) }),
  },
  'message.status': {
    description: "A message was queued, sent, delivered, read, failed or received: the message's new state.",
    payload: payload(
      {
        id: uuid,
        channel: { type: 'string' },
        direction: { enum: ['inbound', 'outbound'] },
        status: { type: 'string' },
        clientId: nullable(uuid),
        jobId: nullable(uuid),
        threadKey: nullable({ type: 'string' }),
        failureReason: nullable({ type: 'string' }),
      },
      ['id', 'channel', 'direction', 'status'],
    ),
    audience: (p) => ({ permission: 'messages:read', toRoles: true, rooms: roomsOf(clientRoomOf(p)) }),
  },
  'job.updated': {
    description:
      "A job changed (fields, status, note, calendar event, document): to its client's subscribers and its assignees.",
    payload: payload(
      {
        id: uuid,
        clientId: nullable(uuid),
        assignedTo: { type: 'array', items: { type: 'string' } },
        change: { enum: ['created', 'updated', 'status', 'note', 'deleted', 'calendar', 'document'] },
        status: { type: 'string' },
        version: { type: 'integer' },
        source: { enum: ['api', 'sync', 'worker'] },
      },
      ['id', 'change'],
    ),
    audience: (p) => ({
      permission: 'jobs:read',
      toRoles: false,
      rooms: roomsOf(
        clientRoomOf(p),
        ...(Array.isArray(p.assignedTo) ? p.assignedTo.map((id) => userRoom(String(id))) : []),
      ),
    }),
  },
  'client.updated': {
    description:
      "A client was created, changed or deleted in the dashboard, or changed by an incremental sync: to that client's subscribers.",
    payload: payload(
      {
        id: uuid,
        clientId: uuid,
        change: { enum: ['created', 'updated', 'deleted'] },
        version: { type: 'integer' },
        source: { enum: ['api', 'sync'] },
      },
      ['id', 'clientId', 'change'],
    ),
    audience: (p) => ({ permission: 'clients:read', toRoles: false, rooms: roomsOf(clientRoomOf(p)) }),
  },
  'dashboard.invalidated': {
    description:
      'Dashboard data changed (a write or a sync): refetch what shows `scope`. Cached answers are already stale.',
    payload: payload(
      { scope: { type: 'string', minLength: 1 }, id: { type: 'string' }, generation: { type: 'integer' } },
      ['scope', 'generation'],
    ),
    audience: () => ({ permission: 'dashboard:read', toRoles: true, rooms: [] }),
  },
  'alert.created': {
    description: 'Something needs attention: a critical security event (admins), a failed sync, a custom source event.',
    payload: payload(
      {
        kind: { enum: Object.keys(ALERT_PERMISSION) },
        type: { type: 'string', minLength: 1 },
        severity: { enum: ['info', 'warning', 'critical'] },
        title: { type: 'string', minLength: 1 },
        subject: nullable({ type: 'object' }),
      },
      ['kind', 'type', 'severity', 'title'],
    ),
    audience: (p) => ({ permission: ALERT_PERMISSION[String(p.kind)]!, toRoles: true, rooms: [] }),
  },
  'connection.connected': {
    description: 'A vendor account was connected (or re-authorized). Admins only.',
    payload: payload({ connectionId: uuid, vendor: { type: 'string' }, created: { type: 'boolean' } }, [
      'connectionId',
      'vendor',
    ]),
    audience: () => ({ permission: 'connections:read', toRoles: true, rooms: [] }),
  },
  'connection.checked': {
    description: "A connection's health check ran: whether its credentials are usable. Admins only.",
    payload: payload(
      {
        connectionId: uuid,
        vendor: { type: 'string' },
        connectionStatus: { type: 'string' },
        healthy: { type: 'boolean' },
        problem: { type: 'string' },
      },
      ['connectionId', 'vendor', 'healthy'],
    ),
    audience: () => ({ permission: 'connections:read', toRoles: true, rooms: [] }),
  },
} as const satisfies Record<string, RealtimeEventDefinition>;

export type RealtimeEventName = keyof typeof REALTIME_EVENTS;

export function isRealtimeEvent(name: string): name is RealtimeEventName {
  return Object.hasOwn(REALTIME_EVENTS, name);
}
