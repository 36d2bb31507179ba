import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { CalendarEvent } from '../../../core/world.js';
import { requireScope } from '../auth.js';
import { current, type GoogleDeps } from '../context.js';
import { badRequest, GoogleError, notFound } from '../errors.js';
import { SCOPES } from '../grants.js';
import { decodeCursor, encodeCursor, fingerprint, intParam, stringParam } from '../paging.js';
import { calendarEventKey } from './event-ids.js';
import { applyEventInput, insertEvent } from './writes.js';
import { decodeSyncToken, encodeSyncToken, eventResource, type CalendarView } from './views.js';
import { timestampParam } from './times.js';

const READ = [SCOPES.calendar, SCOPES.calendarReadonly, SCOPES.calendarEvents, SCOPES.calendarEventsReadonly];
const WRITE = [SCOPES.calendar, SCOPES.calendarEvents];

/** Parameters that cannot be combined with `syncToken` [3P: Calendar sync guide]. */
const SYNC_RESTRICTED = [
  'timeMin',
  'timeMax',
  'q',
  'orderBy',
  'iCalUID',
  'privateExtendedProperty',
  'sharedExtendedProperty',
  'updatedMin',
];

function view(deps: GoogleDeps): CalendarView {
  const { world, state } = current(deps);
  return { world, state, userEmail: deps.options.userEmail, timeZone: deps.options.calendarTimeZone };
}

/** The sandbox user has one calendar, reachable as `primary` or by the user's address. */
function checkCalendar(deps: GoogleDeps, ctx: Context): string {
  const calendarId = ctx.params.calendarId ?? '';
  if (calendarId !== 'primary' && calendarId !== deps.options.userEmail) throw notFound();
  return calendarId;
}

function findEvent(deps: GoogleDeps, id: string): CalendarEvent {
  const { world, state } = current(deps);
  const key = calendarEventKey(state, world, id);
  const event = key === null ? undefined : world.calendarEvents[key];
  if (!event) throw notFound();
  return event;
}

function fullSyncFilter(ctx: Context): (event: CalendarEvent) => boolean {
  const query = ctx.query;
  const timeMin = timestampParam(stringParam(query.timeMin), 'timeMin');
  const timeMax = timestampParam(stringParam(query.timeMax), 'timeMax');
  const updatedMin = timestampParam(stringParam(query.updatedMin), 'updatedMin');
  if (timeMin !== undefined && timeMax !== undefined && timeMin >= timeMax) {
    throw new GoogleError(400, 'timeRangeEmpty', 'The specified time range is empty.', {
      domain: 'calendar',
      locationType: 'parameter',
      location: 'timeMax',
    });
  }
  const text = stringParam(query.q)?.toLowerCase();
  const showDeleted = stringParam(query.showDeleted) === 'true';
  return (event) =>
    (showDeleted || event.status !== 'cancelled') &&
    (timeMin === undefined || event.endAt > timeMin) &&
    (timeMax === undefined || event.startAt < timeMax) &&
    (updatedMin === undefined || event.updatedAt >= updatedMin) &&
    (!text || [event.summary, event.description, event.location].some((field) => field?.toLowerCase().includes(text)));
}

function ordering(ctx: Context): ((a: CalendarEvent, b: CalendarEvent) => number) | null {
  const orderBy = stringParam(ctx.query.orderBy);
  if (orderBy === undefined) return null;
  if (orderBy === 'updated') return (a, b) => a.updatedAt - b.updatedAt || a.key - b.key;
  if (orderBy === 'startTime') {
    if (stringParam(ctx.query.singleEvents) !== 'true') {
      throw badRequest('The requested ordering is not available for the particular query.');
    }
    return (a, b) => a.startAt - b.startAt || a.key - b.key;
  }
  throw new GoogleError(400, 'invalid', 'Invalid Value', { locationType: 'parameter', location: 'orderBy' });
}

/** Calendar v3 events: list (paging, incremental sync), get, insert, patch, delete. */
export function calendarRouter(deps: GoogleDeps): Router {
  const router = new Router({ prefix: '/calendar/v3/calendars/:calendarId/events' });
  router.use(bodyParser({ enableTypes: ['json'] }));

  router.get('/', (ctx) => {
    requireScope(ctx, READ);
    checkCalendar(deps, ctx);
    const { world, state } = current(deps);
    const query = ctx.query;
    const maxResults = intParam(query.maxResults, 'maxResults', { min: 1, max: 2500, fallback: 250, clamp: true });
    const syncToken = stringParam(query.syncToken);
    const pageToken = stringParam(query.pageToken);
    const print = fingerprint(query);
    const cursor = pageToken ? decodeCursor(pageToken, state.epoch, print) : undefined;

    let matches: (event: CalendarEvent) => boolean;
    if (syncToken !== undefined) {
      if (SYNC_RESTRICTED.some((name) => query[name] !== undefined)) {
        throw new GoogleError(
          400,
          'syncTokenWithRequestRestrictions',
          'Sync token cannot be used with other request restrictions.',
          {
            locationType: 'parameter',
            location: 'syncToken',
          },
        );
      }
      const since = decodeSyncToken(syncToken, state.epoch, world.changeCounter);
      if (since === null) {
        throw new GoogleError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
      }
      // Incremental: everything changed since the token's position, cancelled events included.
      matches = (event) => event.sequence >= since;
    } else {
      matches = fullSyncFilter(ctx);
    }
    const sort = ordering(ctx);
    const position = cursor?.p ?? world.changeCounter;
    const selected = world.calendarEvents.filter(matches);
    if (sort) selected.sort(sort);
    const offset = cursor?.o ?? 0;
    const page = selected.slice(offset, offset + maxResults);
    const more = offset + maxResults < selected.length;
    const calendarView = view(deps);
    ctx.body = {
      kind: 'calendar#events',
      etag: `"p${position}"`,
      summary: deps.options.userEmail,
      description: '',
      updated: new Date(Math.max(world.generatedAt, ...page.map((event) => event.updatedAt))).toISOString(),
      timeZone: deps.options.calendarTimeZone,
      accessRole: 'owner',
      defaultReminders: [{ method: 'popup', minutes: 10 }],
      ...(more
        ? { nextPageToken: encodeCursor({ e: state.epoch, o: offset + maxResults, p: position, f: print }) }
        : {}),
      // The sync token appears only on the last page [DOC].
      ...(more ? {} : { nextSyncToken: encodeSyncToken(state.epoch, position) }),
      items: page.map((event) => eventResource(calendarView, event)),
    };
  });

  router.get('/:eventId', (ctx) => {
    requireScope(ctx, READ);
    checkCalendar(deps, ctx);
    ctx.body = eventResource(view(deps), findEvent(deps, ctx.params.eventId ?? ''));
  });

  router.post('/', (ctx) => {
    requireScope(ctx, WRITE);
    const calendarId = checkCalendar(deps, ctx);
    const event = insertEvent(deps, ctx.request.body, {
      calendarId,
      sendUpdates: stringParam(ctx.query.sendUpdates) ?? 'none',
    });
    ctx.body = eventResource(view(deps), event);
  });

  router.patch('/:eventId', (ctx) => {
    requireScope(ctx, WRITE);
    const calendarId = checkCalendar(deps, ctx);
    const event = findEvent(deps, ctx.params.eventId ?? '');
    applyEventInput(deps, event, ctx.request.body, {
      calendarId,
      sendUpdates: stringParam(ctx.query.sendUpdates) ?? 'none',
    });
    ctx.body = eventResource(view(deps), event);
  });

  router.delete('/:eventId', (ctx) => {
    requireScope(ctx, WRITE);
    checkCalendar(deps, ctx);
    const event = findEvent(deps, ctx.params.eventId ?? '');
    if (event.status === 'cancelled') throw new GoogleError(410, 'deleted', 'Resource has been deleted');
    const { world } = current(deps);
    event.status = 'cancelled';
    event.updatedAt = Date.now();
    event.sequence = world.changeCounter++;
    ctx.status = 204;
  });

  return router;
}
