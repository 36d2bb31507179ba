import type { Client } from '@temporalio/client';
import type { SyncResource } from '../integrations/core/records.js';
import type { PassRequest } from '../workflows/sync-signals.js';
import { requestSyncPass } from './workflow-starters.js';
import { workflowIds } from './workflow-ids.js';

/** What one webhook event asks of a sync. */
export interface WebhookPassRequest {
  reason: string;
  externalIds: string[];
  /** The `webhook_events` row asking. */
  webhookEventId: string;
}

interface Batch {
  requests: WebhookPassRequest[];
  done: Promise<void>;
}

/** A signal names at most this many items (the sync logs them; it does not need them to find the changes). */
const MAX_EXTERNAL_IDS = 100;

function merged(requests: readonly WebhookPassRequest[]): PassRequest {
  const reasons = [...new Set(requests.map((request) => request.reason))];
  return {
    reason: reasons.length === 1 ? reasons[0]! : `${reasons[0]} (+${reasons.length - 1} more kinds)`,
    externalIds: [...new Set(requests.flatMap((request) => request.externalIds))].slice(0, MAX_EXTERNAL_IDS),
    webhookEventIds: requests.map((request) => request.webhookEventId),
  };
}

/**
 * Asks syncs for incremental passes on behalf of webhook events, one signal-with-start per sync at a time: events
 * for a sync whose signal is in flight wait for it and then share the next one. Each caller still returns only once
 * a signal carrying its event reached the workflow (persist, signal, answer), but a storm of events for one sync
 * costs Temporal a few signals instead of one each, and the workflow's history (10,000 signals at most per run)
 * grows accordingly. The signal lists every event it carries (`webhookEventIds`). The client is read at each send
 * (routes are built before, or without, a Temporal connection: tests list them).
 */
export function syncPassRequester(temporal: () => { client: Client; taskQueue: string }) {
  const inFlight = new Map<string, Promise<void>>();
  const waiting = new Map<string, Batch>();

  const send = async (
    connection: { id: string; vendor: string },
    resource: SyncResource,
    requests: WebhookPassRequest[],
  ) => {
    const { client, taskQueue } = temporal();
    await requestSyncPass(client, taskQueue, connection, resource, merged(requests));
  };

  return async function requestPass(
    connection: { id: string; vendor: string },
    resource: SyncResource,
    request: WebhookPassRequest,
  ): Promise<string> {
    const workflowId = workflowIds.sync(connection.id, resource);
    const running = inFlight.get(workflowId);
    if (!running) {
      const done = send(connection, resource, [request]).finally(() => inFlight.delete(workflowId));
      inFlight.set(workflowId, done);
      await done;
      return workflowId;
    }
    let batch = waiting.get(workflowId);
    if (!batch) {
      const requests: WebhookPassRequest[] = [];
      // The next signal leaves once the one in flight has settled (either way), carrying everything that waited.
      const done = running
        .catch(() => undefined)
        .then(() => {
          waiting.delete(workflowId);
          const sending = send(connection, resource, requests).finally(() => inFlight.delete(workflowId));
          inFlight.set(workflowId, sending);
          return sending;
        });
      batch = { requests, done };
      waiting.set(workflowId, batch);
    }
    batch.requests.push(request);
    await batch.done;
    return workflowId;
  };
}

export type SyncPassRequester = ReturnType<typeof syncPassRequester>;
