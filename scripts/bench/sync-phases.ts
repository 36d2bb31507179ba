import proto from '@temporalio/proto';
import { connectionTokenSource } from '../../activities/connection-tokens.js';
import type { SyncMode } from '../../activities/sync.activities.js';
import { defaultVendorClients, type ConnectionSecrets } from '../../activities/vendor-clients.js';
import { VendorConnection } from '../../db/entities/index.js';
import { storeRecords } from '../../db/repositories/vendor-records.js';
import type { ChangePage, ExternalJob } from '../../integrations/core/records.js';
import type { RunningSandbox } from '../../sandbox/server.js';
import { workVisible } from '../../sandbox/vendors/jobber/visibility.js';
import { startSync } from '../../temporal/workflow-starters.js';
import type { BenchServices } from './sync-services.js';

export interface Timed {
  records: number;
  pages: number;
  seconds: number;
  recordsPerSecond: number;
}

export interface PlainLoopFigures extends Timed {
  /** Where the loop's time went, per page. */
  fetchMsPerPage: number;
  storeMsPerPage: number;
}

type ConnectionRef = { id: string; vendor: string };

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function timed(records: number, pages: number, startedAt: number): Timed {
  const seconds = (performance.now() - startedAt) / 1000;
  return { records, pages, seconds: round(seconds, 2), recordsPerSecond: Math.round(records / seconds) };
}

/**
 * The same work as a full sync of Jobber jobs without Temporal: the client built the way the activities build it
 * (stored connection, its token source, defaultVendorClients), the same change-feed listing and page size, and
 * storeRecords in one transaction per page.
 */
export async function plainLoop(
  services: BenchServices,
  connection: ConnectionRef,
  pageSize: number,
): Promise<PlainLoopFigures> {
  const { orm, cipher } = services;
  const row = await orm.em.fork().findOneOrFail(VendorConnection, { id: connection.id });
  const secrets = cipher.decrypt(row.credentialsEncrypted ?? '') as ConnectionSecrets;
  const vendors = defaultVendorClients(pageSize);
  const tokens = connectionTokenSource({
    orm,
    cipher,
    connectionId: row.id,
    refresher: vendors.refresher(row, secrets),
  });
  const client = vendors.client(row, secrets, tokens);
  const startedAt = performance.now();
  let fetchMs = 0;
  let storeMs = 0;
  let cursor: string | null = null;
  let records = 0;
  let pages = 0;
  do {
    const fetchStart = performance.now();
    const page: ChangePage<unknown> = await client.changes('jobs', { ...(cursor ? { cursor } : {}), pageSize });
    const storeStart = performance.now();
    await orm.em.fork().transactional((tx) =>
      storeRecords(tx, row.vendor, 'jobs', page.items as ExternalJob[], {
        connectionId: row.id,
        syncedAt: new Date(),
      }),
    );
    fetchMs += storeStart - fetchStart;
    storeMs += performance.now() - storeStart;
    records += page.items.length;
    pages += 1;
    cursor = page.nextCursor;
  } while (cursor);
  return {
    ...timed(records, pages, startedAt),
    fetchMsPerPage: round(fetchMs / pages),
    storeMsPerPage: round(storeMs / pages),
  };
}

/** One syncConnection workflow of Jobber jobs, from start to result, on whatever worker polls `taskQueue`. */
export async function temporalSync(
  services: BenchServices,
  taskQueue: string,
  connection: ConnectionRef,
  mode: SyncMode,
): Promise<Timed & { mode: SyncMode; workflowId: string }> {
  const startedAt = performance.now();
  const handle = await startSync(services.temporal, taskQueue, connection, 'jobs', mode);
  const result = await handle.result();
  return { ...timed(result.totals.fetched, result.page, startedAt), mode: result.mode, workflowId: handle.workflowId };
}

/** Jobs Jobber shows, as the sandbox holds them. */
export function visibleJobKeys(running: RunningSandbox): number[] {
  const { world } = running.sandbox;
  return world.jobs.filter((job) => workVisible(world, job)).map((job) => job.key);
}

/** Renames `count` jobs spread evenly over the world, through the control API, as if edited in Jobber's UI. */
export async function mutateJobs(running: RunningSandbox, count: number): Promise<void> {
  const keys = visibleJobKeys(running);
  const step = Math.max(1, Math.floor(keys.length / count));
  for (let index = 0; index < count; index += 1) {
    const key = keys[index * step]!;
    const reply = await fetch(`${running.controlUrl}/_sandbox/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'job', action: 'update', key, changes: { title: `Renamed in Jobber #${index}` } }),
    });
    if (!reply.ok) throw new Error(`sandbox mutate of job ${key}: HTTP ${reply.status} ${await reply.text()}`);
  }
}

/** Rows of the unified jobs table: a sync that reports N records must have stored N. */
export async function storedJobs(services: BenchServices): Promise<number> {
  const [row] = await services.orm.em
    .getConnection()
    .execute<{ count: string }[]>('select count(*) as count from "jobs" where "deleted_at" is null');
  return Number(row?.count ?? 0);
}

/** Where a syncPages call's time went, averaged over the calls of the run's last workflow execution. */
export interface PageTimings {
  pages: number;
  /** Activity scheduled → picked up by the worker. */
  queueMs: number;
  /** One syncPages call (fetch and store up to its page budget, log rows, events). */
  activityMs: number;
  /** Activity completed → next page scheduled: a workflow task round trip. */
  workflowMs: number;
}

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** An event's time in epoch milliseconds (protobuf seconds may come as a Long). */
function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds?.toString() ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
}

/** Reads the timings from the history of the workflow's latest run (the one after the last continue-as-new). */
export async function pageTimings(services: BenchServices, workflowId: string): Promise<PageTimings> {
  const history = await services.temporal.workflow.getHandle(workflowId).fetchHistory();
  const { EventType } = proto.temporal.api.enums.v1;
  const pages = new Map<string, { scheduled: number; started?: number; completed?: number }>();
  for (const event of history.events ?? []) {
    const type = event.eventType;
    if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      if (event.activityTaskScheduledEventAttributes?.activityType?.name !== 'syncPages') continue;
      pages.set(String(event.eventId), { scheduled: eventMs(event) });
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const page = pages.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
      if (page) page.started = eventMs(event);
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const page = pages.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
      if (page) page.completed = eventMs(event);
    }
  }
  const done = [...pages.values()].filter((page) => page.started !== undefined && page.completed !== undefined);
  const sums = { queueMs: 0, activityMs: 0, workflowMs: 0 };
  done.forEach((page, index) => {
    sums.queueMs += page.started! - page.scheduled;
    sums.activityMs += page.completed! - page.started!;
    const next = done[index + 1];
    if (next) sums.workflowMs += next.scheduled - page.completed!;
  });
  const per = (sum: number, count: number) => round(sum / Math.max(1, count));
  return {
    pages: done.length,
    queueMs: per(sums.queueMs, done.length),
    activityMs: per(sums.activityMs, done.length),
    workflowMs: per(sums.workflowMs, done.length - 1),
  };
}
