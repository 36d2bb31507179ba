import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Job, VendorConnection } from '../db/entities/index.js';
import type { PostalAddress } from '../db/entities/client.js';
import type { ActivityDeps } from './deps.js';
import { jobAudience } from './job-events.js';
import { connectionAccess } from './sync-context.js';
import { vendorStep } from './vendor-failures.js';

/** Job statuses that take a job off the calendar (Jobber's and the dashboard's words). */
const OFF_CALENDAR = new Set(['cancelled', 'canceled', 'archived']);
/** A job scheduled without an end gets this long a calendar slot. */
const DEFAULT_DURATION_MS = 60 * 60 * 1000;

export interface CalendarReconciliation {
  action: 'created_or_updated' | 'cancelled' | 'nothing_to_cancel' | 'skipped';
  eventId?: string;
  reason?: string;
}

function addressLine(address: PostalAddress | null | undefined): string | undefined {
  if (!address) return undefined;
  const parts = [address.street1, address.street2, address.city, address.province, address.postalCode];
  const line = parts.filter((part) => part && part.trim()).join(', ');
  return line || undefined;
}

async function googleConnection(em: EntityManager): Promise<VendorConnection | null> {
  return em.findOne(VendorConnection, { vendor: 'google', status: 'connected' }, { orderBy: { createdAt: 'asc' } });
}

async function recordEvent(
  em: EntityManager,
  row: { eventId: string; calendarId: string; jobId: string; status: string; etag?: string | null },
  fields: { summary?: string; description?: string; location?: string; start?: Date; end?: Date } = {},
): Promise<void> {
  await em.getConnection().execute(
    `insert into calendar_events (vendor, external_id, calendar_id, job_id, summary, description, location, starts_at,
       ends_at, status, etag, last_synced_at)
     values ('google', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
     on conflict (vendor, external_id) do update set job_id = excluded.job_id, status = excluded.status,
       summary = coalesce(excluded.summary, calendar_events.summary),
       description = coalesce(excluded.description, calendar_events.description),
       location = coalesce(excluded.location, calendar_events.location),
       starts_at = coalesce(excluded.starts_at, calendar_events.starts_at),
       ends_at = coalesce(excluded.ends_at, calendar_events.ends_at),
       etag = coalesce(excluded.etag, calendar_events.etag), deleted_at = null, updated_at = now(),
       last_synced_at = now()`,
    [
      row.eventId,
      row.calendarId,
      row.jobId,
      fields.summary ?? null,
      fields.description ?? null,
      fields.location ?? null,
      fields.start ?? null,
      fields.end ?? null,
      row.status,
      row.etag ?? null,
    ],
  );
}

/** Brings a job's Google Calendar event in line with the job as it is now (read fresh, so repeats converge). */
export function createJobCalendarActivities(deps: ActivityDeps) {
  const { orm, vendors, events } = deps;
  return {
    async reconcileJobCalendarEvent(jobId: string): Promise<CalendarReconciliation> {
      const em = orm.em.fork();
      const connection = await googleConnection(em);
      if (!connection) return { action: 'skipped', reason: 'no connected Google account' };
      const { secrets, tokens } = connectionAccess(deps, connection, async () => undefined);
      const calendar = vendors.actions.calendar(secrets, tokens);
      const calendarId = secrets.calendarId ?? 'primary';
      const job = await em.findOne(Job, { id: jobId });
      const scheduled =
        job && !job.deletedAt && job.scheduledStart && !OFF_CALENDAR.has(job.status.toLowerCase()) ? job : null;

      if (!scheduled) {
        const cancelled = await vendorStep(() => calendar.cancelEvent(jobId));
        if (!cancelled) return { action: 'nothing_to_cancel' };
        if (job) await recordEvent(em, { eventId: cancelled.eventId, calendarId, jobId, status: 'cancelled' });
        await events.publish('job.updated', {
          ...jobAudience(job, jobId),
          change: 'calendar',
          calendar: 'cancelled',
          eventId: cancelled.eventId,
        });
        return { action: 'cancelled', eventId: cancelled.eventId };
      }

      const client = scheduled.client ? await em.findOne(Client, { id: scheduled.client.id }) : null;
      const start = scheduled.scheduledStart as Date;
      const end =
        scheduled.scheduledEnd && scheduled.scheduledEnd > start
          ? scheduled.scheduledEnd
          : new Date(start.getTime() + DEFAULT_DURATION_MS);
      const fields = {
        summary: client ? `${scheduled.title} — ${client.name}` : scheduled.title,
        ...(scheduled.description ? { description: scheduled.description } : {}),
        ...(addressLine(client?.address) ? { location: addressLine(client?.address) } : {}),
        start,
        end,
      };
      const written = await vendorStep(() => calendar.upsertEvent({ key: jobId, ...fields }));
      await recordEvent(
        em,
        { eventId: written.eventId, calendarId, jobId, status: written.status, etag: written.etag },
        fields,
      );
      await events.publish('job.updated', {
        ...jobAudience(scheduled, jobId),
        change: 'calendar',
        calendar: 'scheduled',
        eventId: written.eventId,
      });
      return { action: 'created_or_updated', eventId: written.eventId };
    },
  };
}
