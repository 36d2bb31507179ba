import type { CalendarEvent } from '../../../core/world.js';
import { current, type GoogleDeps } from '../context.js';
import { badRequest, GoogleError } from '../errors.js';
import type { Attendee, EventExtras } from '../state.js';
import { assignEventId, calendarEventId, checkClientEventId } from './event-ids.js';
import { parseEventTime, type EventTime } from './times.js';

interface EventInput {
  id?: unknown;
  summary?: unknown;
  description?: unknown;
  location?: unknown;
  status?: unknown;
  start?: unknown;
  end?: unknown;
  attendees?: unknown;
  extendedProperties?: unknown;
  colorId?: unknown;
  transparency?: unknown;
  visibility?: unknown;
}

interface WriteContext {
  calendarId: string;
  sendUpdates: string;
}

const STATUSES = ['confirmed', 'tentative', 'cancelled'] as const;

const optionalText = (value: unknown, field: string): string | null => {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw badRequest(`Invalid value for ${field}.`, 'invalid');
  return value;
};

function parseAttendees(value: unknown): Attendee[] {
  if (!Array.isArray(value)) throw badRequest('Invalid attendees.', 'invalid');
  return value.map((item: { email?: unknown; displayName?: unknown; optional?: unknown; responseStatus?: unknown }) => {
    if (typeof item?.email !== 'string' || !item.email.includes('@')) {
      throw new GoogleError(400, 'invalid', 'Invalid attendee email.');
    }
    return {
      email: item.email,
      ...(typeof item.displayName === 'string' ? { displayName: item.displayName } : {}),
      ...(item.optional === true ? { optional: true } : {}),
      responseStatus: typeof item.responseStatus === 'string' ? item.responseStatus : 'needsAction',
    };
  });
}

function checkRange(start: EventTime, end: EventTime): void {
  if (end.ms < start.ms || (end.ms === start.ms && start.allDay)) {
    throw new GoogleError(400, 'timeRangeEmpty', 'The specified time range is empty.', { domain: 'calendar' });
  }
}

/** Patch semantics: fields present replace the stored ones; arrays replace whole; extended properties merge. */
function applyFields(event: CalendarEvent, extras: EventExtras, input: EventInput): void {
  if ('summary' in input) event.summary = optionalText(input.summary, 'summary') ?? '';
  if ('description' in input) event.description = optionalText(input.description, 'description');
  if ('location' in input) event.location = optionalText(input.location, 'location');
  if (input.status !== undefined) {
    if (!STATUSES.includes(input.status as CalendarEvent['status'])) throw badRequest('Invalid status.', 'invalid');
    event.status = input.status as CalendarEvent['status'];
  }
  if (input.attendees !== undefined) extras.attendees = parseAttendees(input.attendees);
  if (input.extendedProperties && typeof input.extendedProperties === 'object') {
    const next = input.extendedProperties as EventExtras['extendedProperties'] & object;
    extras.extendedProperties = {
      private: { ...extras.extendedProperties?.private, ...next.private },
      shared: { ...extras.extendedProperties?.shared, ...next.shared },
    };
  }
  for (const field of ['colorId', 'transparency', 'visibility'] as const) {
    const value = input[field];
    if (typeof value === 'string') extras[field] = value;
  }
}

function record(deps: GoogleDeps, action: string, event: CalendarEvent, write: WriteContext, extras: EventExtras) {
  deps.sandbox.deliveries.record('google', 'calendar_event', {
    action,
    calendarId: write.calendarId,
    eventId: calendarEventId(current(deps).state, event.key),
    summary: event.summary,
    location: event.location,
    start: new Date(event.startAt).toISOString(),
    end: new Date(event.endAt).toISOString(),
    attendees: (extras.attendees ?? []).map((attendee) => attendee.email),
    sendUpdates: write.sendUpdates,
  });
}

/**
 * `events.insert`: a new world calendar event (so every view of the world sees it) and a delivery record. The
 * client may choose the id; inserting a taken one is 409 and changes nothing.
 */
export function insertEvent(deps: GoogleDeps, body: unknown, write: WriteContext): CalendarEvent {
  const input = (body ?? {}) as EventInput;
  const { world, state } = current(deps);
  const chosenId = input.id === undefined ? undefined : checkClientEventId(state, world, input.id);
  const start = parseEventTime(input.start, 'start');
  const end = parseEventTime(input.end, 'end');
  checkRange(start, end);
  const now = Date.now();
  const event: CalendarEvent = {
    key: world.calendarEvents.length,
    jobKey: null,
    summary: '',
    description: null,
    location: null,
    startAt: start.ms,
    endAt: end.ms,
    status: 'confirmed',
    createdAt: now,
    updatedAt: now,
    sequence: 0,
  };
  const extras: EventExtras = { allDay: start.allDay, ...(start.timeZone ? { timeZone: start.timeZone } : {}) };
  applyFields(event, extras, input);
  event.sequence = world.changeCounter++;
  world.calendarEvents.push(event);
  assignEventId(state, event.key, chosenId);
  state.eventExtras.set(event.key, extras);
  record(deps, 'insert', event, write, extras);
  return event;
}

/** `events.patch`: updates the world record; guests are notified (a delivery) only when `sendUpdates` asks. */
export function applyEventInput(deps: GoogleDeps, event: CalendarEvent, body: unknown, write: WriteContext): void {
  const input = (body ?? {}) as EventInput;
  const { world, state } = current(deps);
  const extras = state.eventExtras.get(event.key) ?? {};
  const start = input.start !== undefined ? parseEventTime(input.start, 'start') : null;
  const end = input.end !== undefined ? parseEventTime(input.end, 'end') : null;
  checkRange(
    start ?? { ms: event.startAt, allDay: extras.allDay ?? false },
    end ?? { ms: event.endAt, allDay: extras.allDay ?? false },
  );
  applyFields(event, extras, input);
  if (start) {
    event.startAt = start.ms;
    extras.allDay = start.allDay;
    if (start.timeZone) extras.timeZone = start.timeZone;
  }
  if (end) event.endAt = end.ms;
  event.updatedAt = Date.now();
  event.sequence = world.changeCounter++;
  state.eventExtras.set(event.key, extras);
  if (write.sendUpdates === 'all' || write.sendUpdates === 'externalOnly') record(deps, 'update', event, write, extras);
}

/**
 * Jobs and their calendar visits stay in step (Jobber's one-way calendar sync): a deleted job cancels its
 * event; a rescheduled or renamed job moves or renames it.
 */
export function followJob(deps: GoogleDeps, jobKey: number): boolean {
  const { world } = current(deps);
  const job = world.jobs[jobKey];
  const event = world.calendarEvents.find((candidate) => candidate.jobKey === jobKey);
  if (!job || !event) return false;
  const next = job.deletedAt
    ? { status: 'cancelled' as const }
    : {
        summary: job.title,
        ...(job.startAt !== null ? { startAt: job.startAt } : {}),
        ...(job.endAt !== null ? { endAt: job.endAt } : {}),
      };
  const changed = Object.entries(next).some(([name, value]) => event[name as keyof CalendarEvent] !== value);
  if (!changed) return false;
  Object.assign(event, next);
  event.updatedAt = Date.now();
  event.sequence = world.changeCounter++;
  return true;
}
