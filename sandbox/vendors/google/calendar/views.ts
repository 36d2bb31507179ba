import type { CalendarEvent, Customer, CustomerVariant, World } from '../../../core/world.js';
import type { Attendee, GoogleWorldState } from '../state.js';
import { calendarEventId } from './event-ids.js';

/** RFC 3339 without milliseconds, as Calendar prints event times. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const date = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The customer's copy in Google: absent when the variant says so, otherwise the canonical record overridden. */
export function googleCustomer(customer: Customer | undefined): { email: string; displayName: string } | null {
  if (!customer || customer.deletedAt) return null;
  const variant = (customer.variants as Partial<Record<string, CustomerVariant>>).google;
  if (variant?.missing) return null;
  const email = variant?.email !== undefined ? variant.email : customer.email;
  if (!email) return null;
  return { email, displayName: variant?.displayName ?? `${customer.firstName} ${customer.lastName}` };
}

/** A job's visit invites its customer, when Google knows the customer's address. */
function attendeesOf(world: World, state: GoogleWorldState, event: CalendarEvent): Attendee[] {
  const extras = state.eventExtras.get(event.key);
  if (extras?.attendees) return extras.attendees;
  if (event.jobKey === null) return [];
  const job = world.jobs[event.jobKey];
  const person = googleCustomer(job ? world.customers[job.customerKey] : undefined);
  return person ? [{ ...person, responseStatus: 'needsAction' }] : [];
}

export interface CalendarView {
  world: World;
  state: GoogleWorldState;
  userEmail: string;
  timeZone: string;
}

/** A world calendar event as a Calendar v3 Event resource. */
export function eventResource(view: CalendarView, event: CalendarEvent): Record<string, unknown> {
  const extras = view.state.eventExtras.get(event.key) ?? {};
  const id = calendarEventId(view.state, event.key);
  const timeZone = extras.timeZone ?? view.timeZone;
  const time = (ms: number) => (extras.allDay ? { date: date(ms) } : { dateTime: rfc3339(ms), timeZone });
  const attendees = attendeesOf(view.world, view.state, event);
  const self = { email: view.userEmail, self: true };
  return {
    kind: 'calendar#event',
    etag: `"${event.updatedAt}${String(event.sequence % 1000).padStart(3, '0')}"`,
    id,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${view.userEmail}`).toString('base64url')}`,
    created: new Date(event.createdAt).toISOString(),
    updated: new Date(event.updatedAt).toISOString(),
    ...(event.summary ? { summary: event.summary } : {}),
    ...(event.description ? { description: event.description } : {}),
    ...(event.location ? { location: event.location } : {}),
    ...(extras.colorId ? { colorId: extras.colorId } : {}),
    creator: self,
    organizer: self,
    start: time(event.startAt),
    end: time(event.endAt),
    ...(extras.transparency ? { transparency: extras.transparency } : {}),
    ...(extras.visibility ? { visibility: extras.visibility } : {}),
    iCalUID: `${id}@google.com`,
    sequence: 0,
    ...(attendees.length > 0 ? { attendees } : {}),
    ...(extras.extendedProperties ? { extendedProperties: extras.extendedProperties } : {}),
    reminders: { useDefault: true },
    eventType: 'default',
  };
}

/** Sync tokens name a position on the world's change counter in one epoch; anything else is stale. */
export function encodeSyncToken(epoch: number, position: number): string {
  return `CP${Buffer.from(`${epoch}:${position}`).toString('base64url')}`;
}

export function decodeSyncToken(token: string, epoch: number, counter: number): number | null {
  if (!token.startsWith('CP')) return null;
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(token.slice(2), 'base64url').toString('utf8'));
  if (!match || Number(match[1]) !== epoch) return null;
  const position = Number(match[2]);
  return position <= counter ? position : null;
}
