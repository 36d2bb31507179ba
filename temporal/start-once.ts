import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

/**
 * Runs a start of a workflow whose id is a business key (started with USE_EXISTING and REJECT_DUPLICATE) and
 * resolves to that id whether this call started it, joined the running one, or was refused because it already
 * finished: for a webhook's hand-off all three mean the event is handled, once.
 */
export async function startOnce(start: () => Promise<unknown>, workflowId: string): Promise<string> {
  try {
    await start();
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}
