import type { calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import type { ExternalCalendarEvent } from '../core/records.js';
import { malformed } from './errors.js';

type EventTime = calendar_v3.Schema$EventDateTime | undefined;

/** A timestamp as ISO-8601 UTC; a value Date cannot read is a malformed reply, not a guess. */
function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw malformed(`event ${field} "${value}" is not a timestamp`);
  return new Date(ms).toISOString();
}

/**
 * `{dateTime}` → the instant in UTC; an all-day `{date}` stays a calendar date ("2030-03-04"): it has no time
 * zone, and inventing one would move it [DOC: Events resource, start.date].
 */
function eventTime(time: EventTime, field: string): string | null {
  if (time?.dateTime) return isoTime(time.dateTime, field);
  if (time?.date) return time.date;
  return null;
}

/** A Calendar v3 Event as our record; missing text fields are null (Calendar omits empty ones). */
export function parseEvent(event: calendar_v3.Schema$Event): ExternalCalendarEvent {
  if (!event.id) throw malformed('event without an id');
  const updated = event.updated ?? event.created;
  if (!updated) throw malformed(`event ${event.id} without an updated time`);
  return {
    externalId: event.id,
    summary: event.summary ?? null,
    description: event.description ?? null,
    location: event.location ?? null,
    startAt: eventTime(event.start, 'start'),
    endAt: eventTime(event.end, 'end'),
    status: event.status ?? 'confirmed',
    attendeeEmails: (event.attendees ?? [])
      .map((attendee) => attendee.email)
      .filter((email): email is string => typeof email === 'string' && email.length > 0),
    updatedAt: isoTime(updated, 'updated'),
  };
}

/** What one `events.list` page says, checked: googleapis hands back a string when the body is not JSON. */
export interface EventsPage {
  events: calendar_v3.Schema$Event[];
  nextPageToken: string | null;
  nextSyncToken: string | null;
}

export function parseEventsPage(data: unknown): EventsPage {
  const body = data as calendar_v3.Schema$Events | null;
  if (!body || typeof body !== 'object' || (body.items !== undefined && !Array.isArray(body.items))) {
    throw malformed('events.list did not return an Events object');
  }
  return {
    events: body.items ?? [],
    nextPageToken: body.nextPageToken ?? null,
    nextSyncToken: body.nextSyncToken ?? null,
  };
}

export function checkEvent(data: unknown): calendar_v3.Schema$Event {
  if (!data || typeof data !== 'object' || typeof (data as calendar_v3.Schema$Event).id !== 'string') {
    throw malformed('events.get did not return an Event');
  }
  return data as calendar_v3.Schema$Event;
}
