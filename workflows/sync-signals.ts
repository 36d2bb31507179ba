import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncProgress } from './sync-connection.js';

/** Why a pass was asked for: who asked, and (webhooks) which vendor records changed. */
export interface PassRequest {
  reason?: string;
  externalIds?: string[];
  /** The `webhook_events` rows that asked, so an operator can follow an event into the sync it triggered. */
  webhookEventIds?: string[];
}

/** Webhooks and schedules ask for another incremental pass (records changed while or after this sync ran). */
export const requestIncrementalSignal = defineSignal<[PassRequest?]>('requestIncremental');
export const syncProgressQuery = defineQuery<SyncProgress>('progress');
