import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookAttempt } from '../../core/webhooks.js';
import type { Sandbox } from '../../core/sandbox.js';
import type { ResolvedOptions } from './options.js';

export type FormParams = Record<string, string | string[]>;

/**
 * `X-Twilio-Signature` [vendor-facts §5.4, twilio-node webhooks.js]: base64 HMAC-SHA1, keyed with the auth token,
 * of the URL followed by every POST parameter sorted by name, each name followed by its value; a repeated
 * parameter contributes its distinct values, sorted.
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => {
      const value = params[name]!;
      const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
      return acc + values.map((item) => name + item).join('');
    }, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function formBody(params: FormParams): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return body.toString();
}

interface Target {
  requestUrl: string;
  signedUrl: string;
  retryCount: number;
  timeoutMs: number;
}

/** Splits Twilio's connection overrides (`#rc=2&rt=3000`, [DOC]) off a webhook URL. */
export function webhookTarget(url: string, options: ResolvedOptions): Target {
  const hash = url.indexOf('#');
  const requestUrl = hash < 0 ? url : url.slice(0, hash);
  const overrides = new URLSearchParams(hash < 0 ? '' : url.slice(hash + 1));
  const number = (name: string, min: number, max: number): number | undefined => {
    const value = Number(overrides.get(name));
    return overrides.has(name) && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : undefined;
  };
  const readTimeout = number('rt', 100, 15_000) ?? options.callbackTimeoutMs;
  const totalTime = number('tt', 100, 15_000) ?? readTimeout;
  return {
    requestUrl,
    signedUrl: options.signUrlFragment ? url : requestUrl,
    retryCount: number('rc', 0, 5) ?? options.callbackRetryCount,
    timeoutMs: Math.min(readTimeout, totalTime),
  };
}

/** POSTs a form-encoded, signed Twilio webhook (status callback or inbound message) with Twilio's retries. */
export function sendTwilioWebhook(
  sandbox: Sandbox,
  options: ResolvedOptions,
  url: string,
  params: FormParams,
): Promise<WebhookAttempt[]> {
  const target = webhookTarget(url, options);
  return sandbox.webhooks.send({
    vendor: 'twilio',
    url: target.requestUrl,
    body: formBody(params),
    contentType: 'application/x-www-form-urlencoded',
    headers: {
      'x-twilio-signature': twilioSignature(options.authToken, target.signedUrl, params),
      'i-twilio-idempotency-token': randomUUID(),
      'user-agent': 'TwilioProxy/1.1',
    },
    retryDelaysMs: Array.from({ length: target.retryCount }, () => options.callbackRetryDelayMs),
    timeoutMs: target.timeoutMs,
  });
}
