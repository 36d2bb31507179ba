import { dashboardIndexesOf } from './dashboard-indexes.js';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, tagsProperty } from './base.js';
import { Client } from './client.js';
import { VENDORS } from './enums.js';
import { JOB_VERSIONED_COLUMNS, versionTrigger } from './version-trigger.js';

export const JobSchema = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    ...baseProperties(),
    // Nullable as in the architecture: a job created in the dashboard may be saved before its client is chosen.
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    title: p.string(),
    description: p.text().nullable(),
    status: p.string().length(50).index(),
    priority: p.string().length(20).nullable(),
    scheduledStart: p.datetime().nullable().index(),
    scheduledEnd: p.datetime().nullable(),
    actualStart: p.datetime().nullable(),
    actualEnd: p.datetime().nullable(),
    jobberJobId: p.string().length(100).nullable().unique(),
    jobberQuoteId: p.string().length(100).nullable(),
    // Money stays a decimal string end to end: floats would round cents.
    estimatedRevenue: p.decimal().precision(10).scale(2).nullable(),
    actualRevenue: p.decimal().precision(10).scale(2).nullable(),
    /** User ids (users.id); an array rather than a join table because Jobber assigns a whole crew at once. */
    assignedTo: p.array().defaultRaw(`'{}'`),
    tags: tagsProperty(),
    customFields: p.json<Record<string, unknown>>().nullable(),
    /*
     * The vendor record this job mirrors (Jobber or Airtable); NULL for a job made in the dashboard, and NULLs never
     * collide under the (vendor, external_id) UNIQUE constraint. Jobber jobs also keep `jobberJobId`.
     */
    vendor: p.enum(VENDORS).nullable(),
    externalId: p.string().length(100).nullable(),
    number: p.string().length(50).nullable(),
    raw: p.json<Record<string, unknown>>().nullable(),
    lastSyncedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable().index(),
    /** Optimistic-concurrency counter, bumped by a trigger like clients.version (see db/entities/client.ts). */
    version: p.integer().default(1),
  },
  uniques: [{ properties: ['vendor', 'externalId'] }],
  triggers: [versionTrigger('jobs', JOB_VERSIONED_COLUMNS)],
  indexes: [
    { properties: ['updatedAt'] },
    // Keyset orders of GET /api/jobs, alone and filtered by status or client (the id breaks ties).
    { properties: ['createdAt', 'id'] },
    { properties: ['updatedAt', 'id'] },
    { properties: ['status', 'createdAt', 'id'] },
    { properties: ['client', 'createdAt', 'id'] },
    // GET /api/jobs?from&to&sort=scheduledStart: the window's jobs in date order.
    { properties: ['scheduledStart', 'id'] },
    // Substring search of GET /api/jobs?q= over the title, through pg_trgm.
    {
      name: 'jobs_title_trgm_index',
      expression: `create index "jobs_title_trgm_index" on "jobs" using gin ("title" gin_trgm_ops)`,
    },
    ...dashboardIndexesOf('jobs'),
  ],
});

export class Job extends JobSchema.class {}
JobSchema.setClass(Job);
