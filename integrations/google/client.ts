// Calendar's module alone: the package index loads every Google API (~70 MB of a worker's resident memory).
import { calendar, type calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { VendorError } from '../core/errors.js';
import type { ChangePage, ExternalCalendarEvent, Page, ResourceRecords } from '../core/records.js';
import type { ChangeOptions, ListOptions, ServiceClient } from '../core/service-client.js';
import { decodeCursor, encodeCursor, type CalendarCursor } from './cursor.js';
import { malformed, VENDOR } from './errors.js';
import { checkEvent, parseEvent, parseEventsPage, type EventsPage } from './payloads.js';
import { GOOGLEAPIS_ROOT_URL, googleCall, sdkOptions, type GoogleApiOptions } from './request.js';

export type GoogleResource = 'calendarEvents';

export interface GoogleCalendarClientOptions extends GoogleApiOptions {
  /** Default `primary`: the calendar of the user who granted access. */
  calendarId?: string;
  /** `maxResults` per page: Calendar's default is 250, its maximum 2500 [DOC]. */
  pageSize?: number;
}

const MAX_PAGE_SIZE = 2500;

const pageSizeOf = (requested: number | undefined, fallback: number): number =>
  Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(requested ?? fallback)));

function checkResource(resource: string): void {
  if (resource !== 'calendarEvents') {
    throw new VendorError(VENDOR, 'validation', `Google Calendar has no resource "${resource}"`);
  }
}

/**
 * Google Calendar v3 through googleapis: full listing (`events.list` with page tokens), incremental sync
 * (`syncToken`, cancelled events reported as deletions, 410 → resync_required) and single-event reads. The SDK's
 * retries are off: the workflow engine decides when to try again, from the VendorError kind.
 */
export function createGoogleCalendarClient(options: GoogleCalendarClientOptions): ServiceClient<GoogleResource> {
  const calendarId = options.calendarId ?? 'primary';
  const defaultPageSize = pageSizeOf(options.pageSize, 250);
  const api = calendar({ version: 'v3', ...sdkOptions(options, GOOGLEAPIS_ROOT_URL) });
  /** One API call with the current token; a 401 refreshes once through the TokenSource and tries again. */
  const call = googleCall(options);

  const listEvents = async (params: calendar_v3.Params$Resource$Events$List): Promise<EventsPage> =>
    parseEventsPage(await call(async (auth) => (await api.events.list({ ...params, calendarId, auth })).data));

  /** The request a page continues (from the cursor) or starts (a full listing, or a pass from a sync token). */
  function pageRequest(cursor: string | undefined, syncToken: string | undefined, pageSize: number | undefined) {
    const state: Omit<CalendarCursor, 'pageToken'> & { pageToken?: string } = cursor
      ? decodeCursor(cursor)
      : { maxResults: pageSizeOf(pageSize, defaultPageSize), ...(syncToken ? { syncToken } : {}) };
    // A sync token cannot be combined with filters; deleted events always come back with it [DOC: sync guide].
    const params: calendar_v3.Params$Resource$Events$List = state.syncToken
      ? { syncToken: state.syncToken, maxResults: state.maxResults }
      : { showDeleted: false, maxResults: state.maxResults };
    if (state.pageToken) params.pageToken = state.pageToken;
    const next = (pageToken: string | null): string | null =>
      pageToken
        ? encodeCursor({
            pageToken,
            maxResults: state.maxResults,
            ...(state.syncToken ? { syncToken: state.syncToken } : {}),
          })
        : null;
    return { params, next };
  }

  return {
    vendor: VENDOR,
    resources: ['calendarEvents'],

    async healthCheck() {
      try {
        await listEvents({ maxResults: 1 });
        return true;
      } catch (error) {
        if (error instanceof VendorError && (error.kind === 'auth_expired' || error.kind === 'auth_revoked')) {
          return false;
        }
        throw error;
      }
    },

    async list<K extends GoogleResource>(resource: K, options: ListOptions = {}) {
      checkResource(resource);
      const { params, next } = pageRequest(options.cursor, undefined, options.pageSize);
      const page = await listEvents(params);
      // Cancelled instances of recurring events still show with showDeleted=false [DOC: events.list]; they are
      // not live events.
      const items = page.events.filter((event) => event.status !== 'cancelled').map(parseEvent);
      return { items, nextCursor: next(page.nextPageToken) } as Page<ResourceRecords[K]>;
    },

    async changes<K extends GoogleResource>(resource: K, options: ChangeOptions = {}) {
      checkResource(resource);
      const { params, next } = pageRequest(options.cursor, options.checkpoint, options.pageSize);
      const page = await listEvents(params);
      const items: ExternalCalendarEvent[] = [];
      const deletedIds: string[] = [];
      for (const event of page.events) {
        if (event.status === 'cancelled') {
          // Deleted events come back as cancelled, often with little besides id and status [DOC: sync guide].
          if (!event.id) throw malformed('cancelled event without an id');
          deletedIds.push(event.id);
        } else {
          items.push(parseEvent(event));
        }
      }
      const nextCursor = next(page.nextPageToken);
      // nextSyncToken comes on the last page only; without one the next pass has to be a full one.
      const checkpoint = nextCursor === null ? page.nextSyncToken : null;
      return { items, deletedIds, nextCursor, checkpoint } as ChangePage<ResourceRecords[K]>;
    },

    async get<K extends GoogleResource>(resource: K, externalId: string) {
      checkResource(resource);
      try {
        const event = checkEvent(
          await call(async (auth) => (await api.events.get({ calendarId, eventId: externalId, auth })).data),
        );
        // A deleted event stays readable with status "cancelled"; for us it no longer exists.
        return event.status === 'cancelled' ? null : (parseEvent(event) as ResourceRecords[K]);
      } catch (error) {
        if (error instanceof VendorError && error.kind === 'not_found') return null;
        throw error;
      }
    },
  };
}
