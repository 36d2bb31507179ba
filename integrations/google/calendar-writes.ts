import { createHash } from 'node:crypto';
// Calendar's module alone: the package index loads every Google API (~70 MB of a worker's resident memory).
import { calendar, type calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { isVendorError, VendorError } from '../core/errors.js';
import { malformed, VENDOR } from './errors.js';
import { GOOGLEAPIS_ROOT_URL, googleCall, sdkOptions, type GoogleApiOptions } from './request.js';

export interface CalendarWriterOptions extends GoogleApiOptions {
  /** Default `primary`: the calendar of the user who granted access. */
  calendarId?: string;
}

export interface CalendarEventInput {
  /** The business id the event stands for (e.g. a job visit): it decides the event id, so a repeat is no copy. */
  key: string;
  summary: string;
  description?: string;
  location?: string;
  start: Date;
  end: Date;
  /** IANA zone the event is shown in (e.g. `America/Chicago`); the instants stay as given. */
  timeZone?: string;
}

export interface WrittenCalendarEvent {
  eventId: string;
  etag: string;
  status: string;
  htmlLink: string;
}

export interface CalendarWriter {
  /** Creates the key's event, or brings the existing one (cancelled included) to these fields, confirmed. */
  upsertEvent(input: CalendarEventInput): Promise<WrittenCalendarEvent>;
  /** Cancels (deletes) the key's event; null when it never existed. Repeat-safe. */
  cancelEvent(key: string): Promise<{ eventId: string; status: 'cancelled' } | null>;
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/**
 * The Calendar event id for a business key. Calendar lets the client choose the id on insert (base32hex
 * characters a–v and 0–9, 5 to 1024 long) and refuses a second insert with it (409) [DOC: Events resource, `id`],
 * which is Calendar's idempotency: the SHA-256 of the key in base32hex (52 characters).
 */
export function eventIdFor(key: string): string {
  if (!key) throw new VendorError(VENDOR, 'validation', 'a calendar event needs a business key');
  let id = '';
  let buffered = 0;
  let bits = 0;
  for (const byte of createHash('sha256').update(key).digest()) {
    buffered = ((buffered << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += BASE32HEX[(buffered >> bits) & 31];
    }
  }
  return bits > 0 ? id + BASE32HEX[(buffered << (5 - bits)) & 31] : id;
}

function eventTime(time: Date, field: string, timeZone: string | undefined): calendar_v3.Schema$EventDateTime {
  if (Number.isNaN(time.getTime())) throw new VendorError(VENDOR, 'validation', `event ${field} is not a date`);
  return { dateTime: time.toISOString(), ...(timeZone ? { timeZone } : {}) };
}

/** Every field we own, so a patch leaves the event exactly as an insert would have made it. */
function eventFields(input: CalendarEventInput): calendar_v3.Schema$Event {
  return {
    summary: input.summary,
    // JSON null clears a field on patch [DOC: Performance, patch semantics].
    description: input.description ?? null,
    location: input.location ?? null,
    start: eventTime(input.start, 'start', input.timeZone),
    end: eventTime(input.end, 'end', input.timeZone),
    status: 'confirmed',
  };
}

function written(data: unknown): WrittenCalendarEvent {
  const event = data as calendar_v3.Schema$Event | null;
  if (!event || typeof event !== 'object' || typeof event.id !== 'string' || typeof event.etag !== 'string') {
    throw malformed('event write did not return an Event');
  }
  return { eventId: event.id, etag: event.etag, status: event.status ?? 'confirmed', htmlLink: event.htmlLink ?? '' };
}

/**
 * Calendar writes keyed by business ids: the event id is derived from the key, so a retried insert after a lost
 * reply meets Calendar's 409 instead of making a second event, and turns into a patch. Guests are never
 * notified (`sendUpdates=none`): the dashboard sends its own messages.
 */
export function createCalendarWriter(options: CalendarWriterOptions): CalendarWriter {
  const calendarId = options.calendarId ?? 'primary';
  const api = calendar({ version: 'v3', ...sdkOptions(options, GOOGLEAPIS_ROOT_URL) });
  const call = googleCall(options);

  return {
    async upsertEvent(input) {
      const eventId = eventIdFor(input.key);
      const fields = eventFields(input);
      try {
        return written(
          await call(
            async (auth) =>
              (
                await api.events.insert({
                  calendarId,
                  sendUpdates: 'none',
                  requestBody: { id: eventId, ...fields },
                  auth,
                })
              ).data,
          ),
        );
      } catch (error) {
        // 409: the id is taken, by this key's event (an earlier attempt, or a cancelled one): update it instead.
        if (!isVendorError(error, 'conflict')) throw error;
      }
      return written(
        await call(
          async (auth) =>
            (await api.events.patch({ calendarId, eventId, sendUpdates: 'none', requestBody: fields, auth })).data,
        ),
      );
    },

    async cancelEvent(key) {
      const eventId = eventIdFor(key);
      try {
        await call((auth) => api.events.delete({ calendarId, eventId, sendUpdates: 'none', auth }));
      } catch (error) {
        if (!isVendorError(error, 'not_found')) throw error;
        // 410 `deleted`: an earlier attempt cancelled it. 404: there was never such an event.
        if (error.details.status !== 410) return null;
      }
      return { eventId, status: 'cancelled' };
    },
  };
}
