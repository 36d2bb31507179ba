import { dashboardIndexesOf } from './dashboard-indexes.js';
import { defineEntity, p } from '@mikro-orm/core';
import { appendOnlyProperties } from './base.js';
import { VendorConnection } from './vendor-connection.js';

/*
 * One row per sync step, append-only: the history a rerun or an audit reads. Run status itself comes from Temporal;
 * these rows record what each step did.
 */
export const SyncLogSchema = defineEntity({
  name: 'SyncLog',
  tableName: 'sync_log',
  properties: {
    ...appendOnlyProperties(),
    /** The vendor (jobber, quickbooks, ...); kept as free text so internal steps such as `matcher` can log too. */
    service: p.string().length(50),
    operation: p.string().length(50),
    resourceType: p.string().length(50).nullable(),
    resourceId: p.string().length(100).nullable(),
    status: p.string().length(50).index(),
    errorMessage: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    connection: () => p.manyToOne(VendorConnection).ref().nullable().deleteRule('set null').index(),
    workflowId: p.string().nullable().index(),
    runId: p.string().nullable(),
    /** The activity or workflow step that wrote the row. */
    step: p.string().length(100).nullable(),
    /** Temporal's activity id: stable across retries of one activity, so it makes a retried insert a no-op. */
    activityId: p.string().length(100).nullable(),
  },
  indexes: [{ properties: ['service', 'createdAt'] }, ...dashboardIndexesOf('sync_log')],
  // NULLs never collide, so rows written outside an activity (no activity id) are never deduplicated.
  uniques: [{ name: 'sync_log_activity_unique', properties: ['workflowId', 'runId', 'activityId'] }],
});

export class SyncLog extends SyncLogSchema.class {}
SyncLogSchema.setClass(SyncLog);
