import { createHmac } from 'node:crypto';
import type { Sandbox, WorldChange } from '../../core/sandbox.js';
import { encodeId, type JobberType } from './ids.js';
import type { JobberOptions } from './options.js';
import { iso } from './views.js';
import { clientVisible } from './visibility.js';

export const SIGNATURE_HEADER = 'X-Jobber-Hmac-SHA256';

/** base64(HMAC-SHA256(client secret, raw body)) (vendor-facts §1.5). */
export function sign(clientSecret: string, body: string): string {
  return createHmac('sha256', clientSecret).update(body, 'utf8').digest('base64');
}

const TOPIC_PREFIX: Partial<Record<WorldChange['entity'], { prefix: string; type: JobberType }>> = {
  customer: { prefix: 'CLIENT', type: 'Client' },
  job: { prefix: 'JOB', type: 'Job' },
  quote: { prefix: 'QUOTE', type: 'Quote' },
  invoice: { prefix: 'INVOICE', type: 'Invoice' },
};

const ACTION_SUFFIX: Record<WorldChange['action'], string> = { create: 'CREATE', update: 'UPDATE', delete: 'DESTROY' };

export interface JobberWebhookTarget {
  sandbox: Sandbox;
  options: JobberOptions;
  clientSecret: string;
  appId: string;
  accountId: string;
}

/** Sends one webhook event to the app's URL (if configured); resolves when delivery (with retries) is done. */
export async function sendWebhook(target: JobberWebhookTarget, topic: string, itemId: string): Promise<void> {
  const url = target.sandbox.settings.webhookUrls.jobber;
  if (!url) return;
  const occurred = target.options.legacyOccuredAt ? 'occuredAt' : 'occurredAt';
  const body = JSON.stringify({
    data: {
      webHookEvent: {
        topic,
        appId: target.appId,
        accountId: target.accountId,
        itemId,
        [occurred]: iso(Date.now()),
      },
    },
  });
  await target.sandbox.webhooks.send({
    vendor: 'jobber',
    url,
    body,
    contentType: 'application/json',
    headers: { [SIGNATURE_HEADER]: sign(target.clientSecret, body) },
    retryDelaysMs: target.options.webhookRetryDelaysMs,
    timeoutMs: target.options.webhookTimeoutMs,
  });
}

/** The Jobber topic and item for a world change, or null when Jobber would not know about it. */
export function webhookFor(sandbox: Sandbox, change: WorldChange): { topic: string; itemId: string } | null {
  const mapping = TOPIC_PREFIX[change.entity];
  if (!mapping) return null;
  const world = sandbox.world;
  const customerKey =
    change.entity === 'customer'
      ? change.key
      : (world[`${change.entity}s` as 'jobs' | 'quotes' | 'invoices'][change.key]?.customerKey ?? -1);
  const customer = world.customers[customerKey];
  // A deleted client is still the subject of its own DESTROY; otherwise Jobber must hold the client.
  const known =
    customer && !customer.variants.jobber?.missing && (change.action === 'delete' || clientVisible(customer));
  if (!known) return null;
  return { topic: `${mapping.prefix}_${ACTION_SUFFIX[change.action]}`, itemId: encodeId(mapping.type, change.key) };
}
