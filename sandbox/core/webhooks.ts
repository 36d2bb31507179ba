import type { DeliveryLog } from './deliveries.js';

export interface WebhookRequest {
  vendor: string;
  url: string;
  /** The exact bytes that were signed. */
  body: string;
  contentType: string;
  headers: Record<string, string>;
  /** Vendor retry schedule in milliseconds after a failed attempt; empty for one attempt only. */
  retryDelaysMs?: readonly number[];
  /** Extra headers per retry (Slack's X-Slack-Retry-Num); attempt starts at 1 for the first retry. */
  retryHeaders?: (attempt: number) => Record<string, string>;
  /** Give up on an attempt after this long (the vendor's ack deadline). */
  timeoutMs?: number;
}

export interface WebhookAttempt {
  attempt: number;
  status: number | null;
  error?: string;
}

/**
 * Delivers vendor webhooks to the app the way vendors do: one POST of signed bytes, retried on a non-2xx or a
 * timeout on the vendor's schedule. Every attempt is recorded in the delivery log.
 */
export class WebhookSender {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deliveries: DeliveryLog) {}

  send(request: WebhookRequest): Promise<WebhookAttempt[]> {
    const run = this.deliver(request);
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return run;
  }

  private readonly stopping = new AbortController();

  /** Resolves when every delivery in flight (retries included) is done; used by tests. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Shutdown: cancels scheduled retries and attempts in flight (vendor schedules can span hours), then waits. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.drain();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopping.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  private async deliver(request: WebhookRequest): Promise<WebhookAttempt[]> {
    const attempts: WebhookAttempt[] = [];
    const delays = [0, ...(request.retryDelaysMs ?? [])];
    for (const [index, delay] of delays.entries()) {
      if (delay > 0) await this.sleep(delay);
      if (this.stopping.signal.aborted) break;
      const retry = index > 0 ? request.retryHeaders?.(index) : undefined;
      const headers = { 'content-type': request.contentType, ...request.headers, ...retry };
      const attempt: WebhookAttempt = { attempt: index + 1, status: null };
      try {
        const response = await fetch(request.url, {
          method: 'POST',
          headers,
          body: request.body,
          signal: AbortSignal.any([AbortSignal.timeout(request.timeoutMs ?? 10_000), this.stopping.signal]),
        });
        await response.arrayBuffer();
        attempt.status = response.status;
      } catch (error) {
        attempt.error = (error as Error).message;
      }
      attempts.push(attempt);
      this.deliveries.record(request.vendor, 'webhook', {
        url: request.url,
        attempt: attempt.attempt,
        status: attempt.status,
        ...(attempt.error ? { error: attempt.error } : {}),
        body: request.body.length > 2000 ? `${request.body.slice(0, 2000)}…` : request.body,
      });
      if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) break;
    }
    return attempts;
  }
}
