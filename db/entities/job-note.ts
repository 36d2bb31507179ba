import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { VENDORS } from './enums.js';
import { Job } from './job.js';
import { User } from './user.js';

/** Notes written in the dashboard (author set) or mirrored from a vendor (vendor and external id set). */
export const JobNoteSchema = defineEntity({
  name: 'JobNote',
  tableName: 'job_notes',
  properties: {
    ...baseProperties(),
    job: () => p.manyToOne(Job).ref().deleteRule('cascade').index(),
    author: () => p.manyToOne(User).ref().nullable().deleteRule('set null').index(),
    body: p.text(),
    vendor: p.enum(VENDORS).nullable(),
    externalId: p.string().length(100).nullable(),
  },
  // Local notes leave both columns NULL, and NULLs never collide under a PostgreSQL UNIQUE constraint.
  uniques: [{ properties: ['vendor', 'externalId'] }],
  indexes: [{ properties: ['createdAt'] }],
});

export class JobNote extends JobNoteSchema.class {}
JobNoteSchema.setClass(JobNote);
