import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Job } from './job.js';
import { VENDORS } from './enums.js';

export const CalendarEventSchema = defineEntity({
  name: 'CalendarEvent',
  tableName: 'calendar_events',
  properties: {
    ...baseProperties(),
    vendor: p.enum(VENDORS),
    externalId: p.string().length(255),
    calendarId: p.string(),
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    summary: p.string().nullable(),
    description: p.text().nullable(),
    location: p.text().nullable(),
    startsAt: p.datetime().nullable(),
    endsAt: p.datetime().nullable(),
    status: p.string().length(50).nullable().index(),
    /** Google's etag, sent back as If-Match so we never overwrite an edit made in the calendar. */
    etag: p.string().nullable(),
    raw: p.json<Record<string, unknown>>().nullable(),
    lastSyncedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['vendor', 'externalId'] }],
  indexes: [{ properties: ['calendarId', 'startsAt'] }, { properties: ['startsAt'] }],
});

export class CalendarEvent extends CalendarEventSchema.class {}
CalendarEventSchema.setClass(CalendarEvent);
