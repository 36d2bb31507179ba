import { RateLimiter } from './rate-limit.js';
import type { WebhookRegistry } from './webhook-registry.js';

/** Everything the Airtable simulator keeps besides the world; replaced on reset. */
export interface AirtableState {
  /** Jobs rows deleted through the API: the world's job stays (Jobber still has it), Airtable's row is gone. */
  hiddenJobs: Set<number>;
  baseLimiter: RateLimiter;
  tokenLimiter: RateLimiter;
  webhooks: WebhookRegistry;
  /** Sorted-list iterators: the sorted world keys of a list request, by iterator id. */
  iterators: Map<string, number[]>;
}
