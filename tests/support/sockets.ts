import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import addFormats from 'ajv-formats';
import { io, type Socket } from 'socket.io-client';
import { REALTIME_EVENTS } from '../../api/realtime/catalogue.js';
import type { SubscriptionAck } from '../../api/realtime/subscriptions.js';

export interface ReceivedEvent {
  event: string;
  payload: Record<string, unknown>;
}

/** A connected socket.io client that records every event it receives. */
export interface RecordingSocket {
  readonly socket: Socket;
  readonly received: ReceivedEvent[];
  /** Resolves with the first event (already received or still to come) that matches; rejects after `timeoutMs`. */
  waitFor(
    event: string,
    matches?: (payload: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedEvent>;
  /** Events of that name received so far that match. */
  seen(event: string, matches?: (payload: Record<string, unknown>) => boolean): ReceivedEvent[];
  subscribe(request: unknown): Promise<SubscriptionAck>;
  unsubscribe(request: unknown): Promise<SubscriptionAck>;
  close(): void;
}

// The catalogue's schemas compiled independently of the server's own checks: what a client was promised.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const promised = new Map<string, ValidateFunction>(
  Object.entries(REALTIME_EVENTS).map(([name, definition]) => [name, ajv.compile(definition.payload)]),
);

/** Why a received event breaks the catalogue, or null when it keeps it. */
export function catalogueViolation({ event, payload }: ReceivedEvent): string | null {
  if (event === 'session.ended') return null;
  const validate = promised.get(event);
  if (!validate) return `${event} is not in the catalogue`;
  return validate(payload) ? null : `${event}: ${ajv.errorsText(validate.errors)}`;
}

/**
 * Closes the sockets (emptying the list) and fails when any of them received an event that breaks its catalogue
 * schema: every test that records sockets checks what a client was promised, whatever else it asserts.
 */
export function closeCheckingCatalogue(sockets: RecordingSocket[]): void {
  const violations: string[] = [];
  for (const socket of sockets.splice(0)) {
    violations.push(...socket.received.map(catalogueViolation).filter((violation) => violation !== null));
    socket.close();
  }
  expect(violations, 'every delivered payload keeps its catalogue schema').to.deep.equal([]);
}

/** Connects with `token` over websocket and resolves once the handshake is accepted (rejects if refused). */
export async function connectRecordingSocket(base: string, token: string): Promise<RecordingSocket> {
  const socket = io(base, { auth: { token }, transports: ['websocket'], reconnection: false, timeout: 5000 });
  const received: ReceivedEvent[] = [];
  const listeners = new Set<() => void>();
  socket.onAny((event: string, payload: Record<string, unknown>) => {
    received.push({ event, payload });
    for (const listener of listeners) listener();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error: Error) => reject(error));
  });
  const seen = (event: string, matches: (payload: Record<string, unknown>) => boolean = () => true) =>
    received.filter((entry) => entry.event === event && matches(entry.payload));
  const request = (name: string, body: unknown) =>
    new Promise<SubscriptionAck>((resolve) => socket.emit(name, body, (ack: SubscriptionAck) => resolve(ack)));
  return {
    socket,
    received,
    seen,
    waitFor(event, matches = () => true, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = seen(event, matches)[0];
          if (!found) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${event} within ${timeoutMs} ms; received: ${received.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    subscribe: (body) => request('subscribe', body),
    unsubscribe: (body) => request('unsubscribe', body),
    close: () => void socket.close(),
  };
}
