import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncProgress } from './sync-connection.js';

/** Webhooks and schedules ask for another incremental pass (records changed while or after this sync ran). */
export const requestIncrementalSignal = defineSignal<[{ reason?: string }?]>('requestIncremental');
export const syncProgressQuery = defineQuery<SyncProgress>('progress');
