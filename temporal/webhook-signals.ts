import { defaultPayloadConverter, type Client } from '@temporalio/client';

/**
 * The inbox rows (`webhook_events.id`) whose signals reached a workflow, over every run of its id (a sync continues
 * as new between passes, so one id spans several runs). How an operator, a test or the webhook benchmark proves an
 * accepted event was acted on, and acted on once.
 */
export async function webhookEventsSignalled(client: Client, workflowId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const payloads = event.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [];
      for (const payload of payloads) {
        const request = defaultPayloadConverter.fromPayload<{ webhookEventIds?: unknown } | null>(payload);
        if (Array.isArray(request?.webhookEventIds)) {
          ids.push(...request.webhookEventIds.filter((id): id is string => typeof id === 'string'));
        }
      }
    }
  }
  return ids;
}
