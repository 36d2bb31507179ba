import type { World } from '../../../core/world.js';
import { badRequest, GoogleError } from '../errors.js';
import { eventId, eventKey } from '../ids.js';
import type { GoogleWorldState } from '../state.js';

/**
 * Calendar lets the client choose an event's id on insert: base32hex characters (a–v, 0–9), 5 to 1024 long,
 * unique per calendar; a taken id (even one of a deleted event) is 409 `duplicate` [DOC: Events resource, `id`;
 * Events: insert]. Events without a chosen id keep the sandbox's id derived from the world key.
 */
const CLIENT_ID = /^[a-v0-9]{5,1024}$/;

/** The id Calendar shows for the event with this world key. */
export function calendarEventId(state: GoogleWorldState, key: number): string {
  return state.eventIds.get(key) ?? eventId(key);
}

/** The world key of an event id, chosen or derived; null when no event has it. */
export function calendarEventKey(state: GoogleWorldState, world: World, id: string): number | null {
  const chosen = state.eventKeys.get(id);
  if (chosen !== undefined) return chosen;
  const derived = eventKey(id);
  // A derived id no longer names an event that was given its own id (that event answers to the chosen one).
  if (derived === null || state.eventIds.has(derived) || !world.calendarEvents[derived]) return null;
  return derived;
}

/** Checks an insert's `id` and that no event has it yet. */
export function checkClientEventId(state: GoogleWorldState, world: World, id: unknown): string {
  if (typeof id !== 'string' || !CLIENT_ID.test(id)) throw badRequest('Invalid resource id value.', 'invalid');
  if (calendarEventKey(state, world, id) !== null) {
    throw new GoogleError(409, 'duplicate', 'The requested identifier already exists.');
  }
  return id;
}

/**
 * Names the event with `key`: the client's id when it chose one; otherwise the derived id, unless a client took
 * that one first (then a variant of it, so ids stay unique).
 */
export function assignEventId(state: GoogleWorldState, key: number, chosen: string | undefined): void {
  let id = chosen;
  if (id === undefined && state.eventKeys.has(eventId(key))) {
    id = `${eventId(key)}0`;
    while (state.eventKeys.has(id)) id += '0';
  }
  if (id === undefined) return;
  state.eventIds.set(key, id);
  state.eventKeys.set(id, key);
}
