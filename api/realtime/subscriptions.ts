import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { roleHas, type Permission } from '../auth/permissions.js';
import type { AccessTokenClaims } from '../auth/tokens.js';
import type { RealtimeSocket } from './io.js';
import { clientRoom, syncRoom } from './rooms.js';

/** Enough for a dashboard with many panels open; a socket asking for more is misbehaving. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;

/** `subscribe` / `unsubscribe` take exactly one of these. */
export const SUBSCRIPTION_REQUEST_SCHEMA = {
  type: 'object',
  properties: {
    sync: { type: 'string', pattern: '^[A-Za-z0-9:._@-]{1,255}$', description: 'A sync workflow id' },
    client: { type: 'string', format: 'uuid', description: 'A client id' },
  },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
} as const;

type SubscriptionRequest = { sync: string } | { client: string };

export type SubscriptionAck =
  { ok: true; room: string } | { ok: false; error: { code: string; message: string; details?: unknown } };

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validRequest = ajv.compile<SubscriptionRequest>(SUBSCRIPTION_REQUEST_SCHEMA);

const KINDS: Record<'sync' | 'client', { permission: Permission; room: (id: string) => string }> = {
  sync: { permission: 'syncs:read', room: syncRoom },
  client: { permission: 'clients:read', room: clientRoom },
};

function refused(code: string, message: string, details?: unknown): SubscriptionAck {
  return { ok: false, error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** The room a request names, or why the socket may not join it. */
function resolve(request: unknown, user: AccessTokenClaims): SubscriptionAck {
  if (!validRequest(request)) {
    return refused('invalid_request', 'Expected { sync: <workflowId> } or { client: <clientId> }', validRequest.errors);
  }
  const kind = 'sync' in request ? 'sync' : 'client';
  const { permission, room } = KINDS[kind];
  if (!roleHas(user.role, permission)) return refused('forbidden', `Your role may not receive ${kind} events`);
  return { ok: true, room: room('sync' in request ? request.sync : request.client) };
}

/** Joined subscription rooms, counted apart from the rooms the handshake put the socket in. */
const subscribedRooms = (socket: RealtimeSocket) =>
  [...socket.rooms].filter((room) => room.startsWith('sync:') || room.startsWith('client:'));

/**
 * `socket.emit('subscribe', { sync: workflowId }, ack)` joins the sync's room (its `sync.progress` events);
 * `{ client: clientId }` joins the client's (job and client changes). `unsubscribe` leaves. The acknowledgement
 * says which room, or carries an error in the API's error shape.
 */
export function handleSubscriptions(socket: RealtimeSocket, user: AccessTokenClaims): void {
  const answer = (ack: unknown, result: SubscriptionAck) => {
    if (typeof ack === 'function') (ack as (result: SubscriptionAck) => void)(result);
  };
  socket.on('subscribe', async (request: unknown, ack: unknown) => {
    const result = resolve(request, user);
    if (result.ok && !socket.rooms.has(result.room)) {
      if (subscribedRooms(socket).length >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
        return answer(ack, refused('too_many_subscriptions', `At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} per socket`));
      }
      await socket.join(result.room);
    }
    answer(ack, result);
  });
  socket.on('unsubscribe', async (request: unknown, ack: unknown) => {
    const result = resolve(request, user);
    if (result.ok) await socket.leave(result.room);
    answer(ack, result);
  });
}
