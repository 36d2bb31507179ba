import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server, type ExtendedError, type Socket } from 'socket.io';
import type { Config } from '../../config/env.js';
import { EVENTS_CHANNEL, type EventEnvelope } from '../../db/event-channel.js';
import { accessRevocations } from '../auth/revocation.js';
import { verifyAccessToken, type AccessTokenClaims } from '../auth/tokens.js';
import { isRealtimeEvent, type RealtimeEventName } from './catalogue.js';
import { planDelivery, type Delivery } from './delivery.js';
import { roleRoom, sessionRoom, userRoom } from './rooms.js';
import { handleSubscriptions } from './subscriptions.js';

export { userRoom } from './rooms.js';

export interface SocketData {
  user: AccessTokenClaims;
}

/** Sent to a socket just before the server disconnects it, so the client knows to log in or refresh first. */
export const SESSION_ENDED_EVENT = 'session.ended';

/** What the realtime layer needs from the API's dependencies. */
export interface RealtimeDeps {
  readonly config: Config;
  readonly redis: Redis;
  readonly logger: Logger;
}

/** What the rest of the API uses of socket.io (AppDeps.realtime). */
export interface Realtime {
  /**
   * Sends an event this API process produced (a client or job written through the API, a security alert) to the
   * sockets of every instance, through the Redis adapter. Checked against the catalogue like relayed events.
   */
  announce(event: RealtimeEventName, payload: Record<string, unknown>): void;
  /** Tells the sockets of these sessions their session ended, then disconnects them, on every instance. */
  endSessions(sessionIds: readonly string[], reason: 'logout' | 'revoked'): void;
  /** This instance's sockets, and its events by outcome since start (for /metrics). */
  stats(): RealtimeStats;
}

export interface RealtimeStats {
  sockets: number;
  /** `delivered`: sent to at least one room; `dropped`: unknown, malformed or without audience. */
  events: Array<{ event: string; path: 'relay' | 'announce'; outcome: 'delivered' | 'dropped'; count: number }>;
}

export interface RealtimeServer extends Realtime {
  /** Serves socket.io on the API's HTTP server (same port, default path). */
  attach(server: HttpServer | HttpsServer): void;
  /** Disconnects every socket and stops relaying; the Redis connections it opened are closed. */
  close(): Promise<void>;
}

/** Event names are the catalogue's, checked at delivery, so the socket types take any name with any payload. */
type Events = Record<string, (...args: unknown[]) => void>;
export type RealtimeSocket = Socket<Events, Events, Events, SocketData>;
type IoServer = Server<Events, Events, Events, SocketData>;

function unauthorized(): ExtendedError {
  const error: ExtendedError = new Error('unauthorized');
  error.data = { code: 'unauthorized' };
  return error;
}

/** Connections of its own: a subscriber cannot issue commands, and the API's client fails fast when Redis is away. */
function redisConnection(redis: Redis): Redis {
  return redis.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, maxRetriesPerRequest: null });
}

/**
 * The handshake must carry `auth: { token: <accessToken> }`, verified exactly as an HTTP bearer token is: a
 * logged-out token or an ended session is refused, and when Redis cannot say, the socket is refused.
 */
function authenticate(io: IoServer, config: Config, redis: Redis): void {
  const revocations = accessRevocations(redis);
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') return next(unauthorized());
    let claims: AccessTokenClaims;
    try {
      claims = verifyAccessToken(token, config);
    } catch {
      return next(unauthorized());
    }
    revocations.isRevoked(claims).then(
      (revoked) => {
        if (revoked) return next(unauthorized());
        socket.data.user = claims;
        return next();
      },
      () => next(unauthorized()),
    );
  });
}

/** Joins the handshake rooms, and ends the socket when its token expires: a token is never good for longer on a socket. */
function onConnection(socket: RealtimeSocket) {
  const user = socket.data.user;
  void socket.join([userRoom(user.sub), roleRoom(user.role), sessionRoom(user.sid)]);
  handleSubscriptions(socket, user);
  const expiry = setTimeout(
    () => {
      socket.emit(SESSION_ENDED_EVENT, { reason: 'expired' });
      socket.disconnect(true);
    },
    Math.max(user.exp * 1000 - Date.now(), 0),
  );
  expiry.unref();
  socket.once('disconnect', () => clearTimeout(expiry));
}

/**
 * socket.io for the API. Two paths carry events to sockets:
 * - the worker's (and any process's) publications on the Redis events channel reach every API instance, and each
 *   delivers them to its own sockets only (`io.local`), so each socket gets an event once however many instances run;
 * - what this process announces itself goes through the Redis adapter to the sockets of every instance.
 * The adapter also carries session ends (disconnects) to every instance.
 */
export function createRealtime({ config, redis, logger }: RealtimeDeps): RealtimeServer {
  const io: IoServer = new Server({ cors: { origin: [...config.corsOrigins] } });
  const adapterPublisher = redisConnection(redis);
  const adapterSubscriber = redisConnection(redis);
  const relaySubscriber = redisConnection(redis);
  for (const connection of [adapterPublisher, adapterSubscriber, relaySubscriber]) {
    connection.on('error', (error: Error) => logger.warn({ err: error }, 'realtime redis connection error'));
  }
  io.adapter(createAdapter(adapterPublisher, adapterSubscriber, { key: 'business-dashboard:socket.io' }));
  authenticate(io, config, redis);
  io.on('connection', (socket) => {
    onConnection(socket);
    logger.debug({ userId: socket.data.user.sub, socketId: socket.id }, 'socket connected');
  });

  const counts = new Map<string, RealtimeStats['events'][number]>();
  const count = (event: string, path: 'relay' | 'announce', outcome: 'delivered' | 'dropped') => {
    // Unknown names are counted under one label, so a stray publisher cannot add series.
    const name = isRealtimeEvent(event) ? event : 'unknown';
    const key = `${name}|${path}|${outcome}`;
    const entry = counts.get(key) ?? { event: name, path, outcome, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  };

  const send = (local: boolean, { event, payload, rooms, excludedRoles }: Delivery) => {
    const target = (local ? io.local : io).to(rooms).except(excludedRoles);
    target.emit(event, payload);
  };

  relaySubscriber.on('message', (channel: string, message: string) => {
    if (channel !== EVENTS_CHANNEL) return;
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(message) as EventEnvelope;
    } catch {
      logger.warn({ channel }, 'realtime: unreadable event on the events channel');
      return;
    }
    const plan = planDelivery(envelope.event, envelope.payload, envelope.at);
    count(String(envelope.event), 'relay', plan.deliver ? 'delivered' : 'dropped');
    if (plan.deliver) send(true, plan.delivery);
    else logger.warn({ event: envelope.event, reason: plan.reason }, 'realtime: event not delivered');
  });
  relaySubscriber.subscribe(EVENTS_CHANNEL).catch((error: unknown) => {
    logger.error({ err: error }, 'realtime: cannot subscribe to the events channel; worker events are not relayed');
  });

  let attached = false;
  return {
    attach(server) {
      io.attach(server);
      attached = true;
    },
    announce(event, payload) {
      const plan = planDelivery(event, payload, new Date().toISOString());
      count(event, 'announce', plan.deliver ? 'delivered' : 'dropped');
      if (plan.deliver) send(false, plan.delivery);
      else logger.error({ event, reason: plan.reason }, 'realtime: announced event not delivered');
    },
    endSessions(sessionIds, reason) {
      if (sessionIds.length === 0) return;
      const rooms = sessionIds.map(sessionRoom);
      io.to(rooms).emit(SESSION_ENDED_EVENT, { reason });
      io.in(rooms).disconnectSockets(true);
    },
    stats: () => ({ sockets: io.of('/').sockets.size, events: [...counts.values()].map((entry) => ({ ...entry })) }),
    async close() {
      relaySubscriber.disconnect();
      // Disconnects every socket and closes the adapter (and the HTTP server, which server.ts has already closed).
      // A server never attached has no engine for io.close() to stop: only its adapter is closed.
      if (attached) await io.close();
      else await io.of('/').adapter.close();
      adapterSubscriber.disconnect();
      adapterPublisher.disconnect();
    },
  };
}
