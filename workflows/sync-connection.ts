import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import type { SyncCounts, SyncMode, SyncPagesResult } from '../activities/sync.activities.js';
import type { SyncResource } from '../integrations/core/records.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';
import { searchAttributes } from '../temporal/search-attribute-keys.js';
import { requestIncrementalSignal, syncProgressQuery, type PassRequest } from './sync-signals.js';

export { requestIncrementalSignal, syncProgressQuery };

export interface SyncConnectionInput {
  connectionId: string;
  resource: SyncResource;
  mode: SyncMode;
  /** Carried across continue-as-new: where the sync stands. */
  resume?: SyncResume;
  /** Carried across continue-as-new: passes requested by signals the previous run received. */
  pendingPasses?: number;
}

interface SyncResume {
  mode: SyncMode;
  cursor: string | null;
  checkpoint: string | null;
  startedAt: string;
  page: number;
  totals: SyncTotals;
}

type SyncTotals = SyncCounts;

export interface SyncProgress {
  mode: SyncMode;
  page: number;
  totals: SyncTotals;
  done: boolean;
}

/** Page calls per run before continuing as new: keeps each run's history far below Temporal's limits. */
const CALLS_PER_RUN = 100;
const MAX_LOGGED_REQUESTS = 20;

const SYNC_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 12,
  nonRetryableErrorTypes: [
    failureTypes.connectionNotFound,
    failureTypes.credentialsUnreadable,
    ...NON_RETRYABLE_VENDOR_FAILURES,
  ],
};

const { beginSync, finishSync, failSync } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: SYNC_RETRY,
});

/** Page calls heartbeat while they run, so pages held by a worker that died are retried within seconds, not minutes. */
const { syncPages } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  // A cancelled sync ends only once its running call has stopped, so no page lands after it reports CANCELLED.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: SYNC_RETRY,
});

function emptyTotals(): SyncTotals {
  return { fetched: 0, inserted: 0, updated: 0, merged: 0, deleted: 0 };
}

function failureType(error: unknown): string | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}

function describe(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof Error) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One sync of one connection and resource: pages fetched in `syncPages` calls (each page stored with its log row in
 * one transaction), the cursor kept in workflow state so a crashed worker's successor resumes where the last call
 * ended (and a retried call after its last committed page). An incremental sync
 * without a stored checkpoint, or whose checkpoint the vendor no longer knows, becomes a full sync. Signals
 * received meanwhile cause one more incremental pass at the end instead of a second concurrent sync.
 */
export async function syncConnection(input: SyncConnectionInput): Promise<SyncProgress> {
  const { connectionId, resource } = input;
  let pendingPasses = input.pendingPasses ?? 0;
  // What the pending passes were asked for, for the log of the pass that answers them (bounded: a webhook storm
  // must not grow the workflow's state).
  let requests: PassRequest[] = [];
  setHandler(requestIncrementalSignal, (request) => {
    pendingPasses += 1;
    if (request && requests.length < MAX_LOGGED_REQUESTS) requests.push(request);
  });

  let state: SyncResume | undefined;
  setHandler(syncProgressQuery, () =>
    state
      ? { mode: state.mode, page: state.page, totals: state.totals, done: false }
      : { mode: input.mode, page: 0, totals: emptyTotals(), done: false },
  );
  if (input.resume) {
    state = input.resume;
  } else {
    const start = await beginSync({ connectionId, resource, mode: input.mode, requests });
    requests = [];
    const mode: SyncMode = input.mode === 'incremental' && !start.checkpoint ? 'full' : input.mode;
    const checkpoint = mode === input.mode ? start.checkpoint : null;
    state = { mode, cursor: null, checkpoint, startedAt: start.startedAt, page: 0, totals: emptyTotals() };
  }

  // What the Web UI shows as SyncKind: an incremental sync with nothing to resume from is really a full one.
  let shownKind: SyncMode = input.resume?.mode ?? input.mode;
  const showKind = (mode: SyncMode) => {
    if (mode === shownKind) return;
    upsertSearchAttributes([{ key: searchAttributes.syncKind, value: mode }]);
    shownKind = mode;
  };
  try {
    for (;;) {
      // A pass covers every change made before it fetches its first page, so requests so far are answered by it.
      if (state.page === 0) pendingPasses = 0;
      showKind(state.mode);
      let callsThisRun = 0;
      let finalCheckpoint = state.mode === 'full' ? state.checkpoint : null;
      for (;;) {
        let result: SyncPagesResult;
        try {
          result = await syncPages({
            connectionId,
            resource,
            mode: state.mode,
            page: state.page + 1,
            ...(state.cursor ? { cursor: state.cursor } : {}),
            ...(state.mode === 'incremental' && state.checkpoint ? { checkpoint: state.checkpoint } : {}),
          });
        } catch (error) {
          if (state.mode === 'incremental' && failureType(error) === failureTypes.vendorResyncRequired) {
            state = { ...state, mode: 'full', cursor: null, checkpoint: null, page: 0 };
            showKind('full');
            finalCheckpoint = null;
            continue;
          }
          throw error;
        }
        state.page += result.pages;
        callsThisRun += 1;
        for (const key of Object.keys(state.totals) as Array<keyof SyncTotals>) state.totals[key] += result[key];
        if (result.checkpoint) finalCheckpoint = result.checkpoint;
        state.cursor = result.nextCursor;
        if (!state.cursor) break;
        if (callsThisRun >= CALLS_PER_RUN) {
          if (state.mode === 'full') state.checkpoint = finalCheckpoint;
          return await continueAsNew<typeof syncConnection>({ ...input, resume: state, pendingPasses });
        }
      }
      await finishSync({
        connectionId,
        resource,
        mode: state.mode,
        checkpoint: finalCheckpoint,
        startedAt: state.startedAt,
        totals: state.totals,
      });
      // Signals that arrived while this pass ran ask for one more incremental pass, from the new checkpoint.
      if (pendingPasses === 0) return { mode: state.mode, page: state.page, totals: state.totals, done: true };
      if (workflowInfo().historyLength > 5_000) {
        return await continueAsNew<typeof syncConnection>({ connectionId, resource, mode: 'incremental' });
      }
      const next = await beginSync({ connectionId, resource, mode: 'incremental', requests });
      requests = [];
      state = {
        mode: next.checkpoint ? 'incremental' : 'full',
        cursor: null,
        checkpoint: next.checkpoint,
        startedAt: next.startedAt,
        page: 0,
        totals: emptyTotals(),
      };
    }
  } catch (error) {
    const cancelled = isCancellation(error);
    const mode = state.mode;
    // A cancelled workflow may still run activities inside a non-cancellable scope: the log says how it ended.
    await CancellationScope.nonCancellable(() =>
      failSync({ connectionId, resource, mode, error: describe(error), cancelled }),
    );
    throw error;
  }
}
