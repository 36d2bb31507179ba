import { AsyncLocalStorage } from 'node:async_hooks';

/** What code running on behalf of one request can learn about it without being handed the request. */
export interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (the rest of the pipeline) so that everything it awaits sees `context`. */
export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The id of the request the caller runs for; undefined outside a request (start-up, timers, shutdown). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
