import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { USER_ROLES } from '../../db/entities/enums.js';
import { roleHas } from '../auth/permissions.js';
import { REALTIME_EVENTS, isRealtimeEvent, type RealtimeEventName } from './catalogue.js';
import { roleRoom } from './rooms.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);

const validators = new Map<RealtimeEventName, ValidateFunction>(
  Object.entries(REALTIME_EVENTS).map(([name, definition]) => [
    name as RealtimeEventName,
    ajv.compile(definition.payload),
  ]),
);

/** What an event is sent as, and to whom. */
export interface Delivery {
  event: RealtimeEventName;
  payload: Record<string, unknown>;
  /** Rooms that receive it. */
  rooms: string[];
  /** Role rooms excluded even when a socket is also in one of `rooms`: roles without the event's permission. */
  excludedRoles: string[];
}

export type DeliveryDecision = { deliver: true; delivery: Delivery } | { deliver: false; reason: string };

/**
 * Checks one event against the catalogue and works out its rooms. Undeliverable: an unknown name, a payload that
 * does not match its schema (its audience could be decided wrongly from it), or nobody to send it to.
 */
export function planDelivery(event: string, payload: unknown, at: string): DeliveryDecision {
  if (!isRealtimeEvent(event)) return { deliver: false, reason: `unknown event ${event}` };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { deliver: false, reason: 'payload is not an object' };
  }
  const delivered = { ...(payload as Record<string, unknown>), at };
  const validate = validators.get(event)!;
  if (!validate(delivered)) return { deliver: false, reason: ajv.errorsText(validate.errors) };
  const audience = REALTIME_EVENTS[event].audience(delivered);
  const allowed = USER_ROLES.filter((role) => roleHas(role, audience.permission));
  const rooms = [...(audience.toRoles ? allowed.map(roleRoom) : []), ...audience.rooms];
  if (rooms.length === 0) return { deliver: false, reason: 'no audience' };
  const excludedRoles = USER_ROLES.filter((role) => !allowed.includes(role)).map(roleRoom);
  return { deliver: true, delivery: { event, payload: delivered, rooms, excludedRoles } };
}
