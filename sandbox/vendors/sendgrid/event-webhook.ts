import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Sandbox } from '../../core/sandbox.js';
import type { WebhookAttempt } from '../../core/webhooks.js';
import type { SendgridEvent } from './events.js';
import type { ResolvedOptions } from './options.js';

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** Signed Event Webhook: ECDSA P-256 with SHA-256 over `timestamp + raw body`, DER signature in base64. [SDK] */
export class EventSigner {
  private readonly privateKey: KeyObject;
  /** base64 DER SubjectPublicKeyInfo, as SendGrid shows the verification key in its settings. */
  readonly publicKey: string;

  constructor(privateKeyPem?: string) {
    this.privateKey = privateKeyPem
      ? createPrivateKey(privateKeyPem)
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    this.publicKey = createPublicKey(this.privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  }

  headers(body: string, now = Date.now()): Record<string, string> {
    const timestamp = String(Math.floor(now / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body, 'utf8'), this.privateKey).toString('base64');
    return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature };
  }
}

/**
 * Collects events and posts them as one JSON array per batch: when the batch window ends or the batch reaches its
 * size cap, whichever comes first. Each attempt (retries included) is signed afresh with its own timestamp.
 */
export class EventBatcher {
  private batch: SendgridEvent[] = [];
  private bytes = 2;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<WebhookAttempt[]>>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly options: () => ResolvedOptions,
    private readonly signer: EventSigner,
  ) {}

  add(events: readonly SendgridEvent[]): void {
    const { eventBatchMaxBytes, eventBatchWindowMs } = this.options();
    for (const event of events) {
      const size = Buffer.byteLength(JSON.stringify(event)) + 1;
      if (this.batch.length > 0 && this.bytes + size > eventBatchMaxBytes) void this.flush();
      this.batch.push(event);
      this.bytes += size;
    }
    if (this.batch.length > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), eventBatchWindowMs);
      this.timer.unref();
    }
  }

  /** Posts what is batched now; resolves when that delivery and every earlier one in flight are done. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.batch;
    this.batch = [];
    this.bytes = 2;
    const url = this.sandbox.settings.webhookUrls.sendgrid;
    if (events.length > 0 && url) {
      const body = JSON.stringify(events);
      const options = this.options();
      const run = this.sandbox.webhooks.send({
        vendor: 'sendgrid',
        url,
        body,
        contentType: 'application/json',
        headers: { 'User-Agent': 'SendGrid Event API', ...this.signer.headers(body) },
        retryDelaysMs: options.webhookRetryDelaysMs,
        retryHeaders: () => this.signer.headers(body),
        timeoutMs: options.webhookTimeoutMs,
      });
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /** Drops what is batched (the world was reset); deliveries already in flight finish on their own. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = [];
    this.bytes = 2;
  }
}
