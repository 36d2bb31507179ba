import { createHmac, randomBytes } from 'node:crypto';
import type { Sandbox } from '../../core/sandbox.js';
import { airtableId } from './ids.js';

/*
 * Airtable's webhooks are thin pings: the POST body is only `{"base":{"id"},"webhook":{"id"},"timestamp"}`,
 * signed with `X-Airtable-Content-MAC: hmac-sha256=<hex HMAC-SHA256(base64-decoded macSecretBase64, raw body)>`;
 * the receiver then lists the changes with `GET /v0/bases/{baseId}/webhooks/{webhookId}/payloads?cursor=`.
 * Each webhook keeps its own payload log numbered from cursor 1.
 */

export interface CellChange {
  cellValuesByFieldId: Record<string, unknown>;
}

/** One base transaction: what changed in which table. */
export interface TableChangeSet {
  tableId: string;
  created?: Record<string, CellChange & { createdTime: string }>;
  changed?: Record<string, { current: CellChange }>;
  destroyed?: string[];
}

export interface WebhookSpecification {
  options: { filters: { dataTypes: string[]; recordChangeScope?: string; changeTypes?: string[] } };
}

interface Payload {
  timestamp: string;
  baseTransactionNumber: number;
  actionMetadata: { source: string; sourceMetadata: Record<string, unknown> };
  payloadFormat: 'v0';
  changedTablesById: Record<string, Record<string, unknown>>;
}

interface NotificationResult {
  success: boolean;
  error?: { message: string };
  completionTimestamp: string;
  durationMs: number;
  retryNumber: number;
  willBeRetried?: boolean;
}

export interface Webhook {
  id: string;
  macSecretBase64: string;
  /** null: payloads only, no pings. The sandbox's own webhook reads its URL from the sandbox settings. */
  notificationUrl: () => string | null;
  specification: WebhookSpecification;
  areNotificationsEnabled: boolean;
  expirationTime: string;
  payloads: Payload[];
  lastNotificationResult: NotificationResult | null;
  lastSuccessfulNotificationTime: string | null;
}

export interface WebhookDeliveryOptions {
  retryDelaysMs: readonly number[];
  timeoutMs: number;
}

const WEEK_MS = 7 * 86_400_000;
export const MAX_PAYLOADS_PER_PAGE = 50;

export function sign(macSecretBase64: string, body: string): string {
  return `hmac-sha256=${createHmac('sha256', Buffer.from(macSecretBase64, 'base64')).update(body).digest('hex')}`;
}

export class WebhookRegistry {
  private readonly hooks: Webhook[] = [];
  private transaction = 0;
  private created = 0;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly baseId: string,
    private readonly delivery: WebhookDeliveryOptions,
    sandboxHook: { id: string; macSecretBase64: string },
  ) {
    this.hooks.push({
      ...sandboxHook,
      notificationUrl: () => sandbox.settings.webhookUrls.airtable ?? null,
      specification: { options: { filters: { dataTypes: ['tableData'] } } },
      areNotificationsEnabled: true,
      expirationTime: new Date(Date.now() + WEEK_MS).toISOString(),
      payloads: [],
      lastNotificationResult: null,
      lastSuccessfulNotificationTime: null,
    });
  }

  create(notificationUrl: string | null, specification: WebhookSpecification): Webhook {
    this.created += 1;
    const hook: Webhook = {
      id: airtableId('ach', `webhook-${this.created}`),
      macSecretBase64: randomBytes(32).toString('base64'),
      notificationUrl: () => notificationUrl,
      specification,
      areNotificationsEnabled: notificationUrl !== null,
      expirationTime: new Date(Date.now() + WEEK_MS).toISOString(),
      payloads: [],
      lastNotificationResult: null,
      lastSuccessfulNotificationTime: null,
    };
    this.hooks.push(hook);
    return hook;
  }

  list(): readonly Webhook[] {
    return this.hooks;
  }

  get(id: string): Webhook | undefined {
    return this.hooks.find((hook) => hook.id === id);
  }

  delete(id: string): boolean {
    const index = this.hooks.findIndex((hook) => hook.id === id);
    if (index >= 0) this.hooks.splice(index, 1);
    return index >= 0;
  }

  refresh(hook: Webhook): void {
    hook.expirationTime = new Date(Date.now() + WEEK_MS).toISOString();
  }

  /** Records one transaction in every webhook whose specification covers it, and pings them. */
  record(change: TableChangeSet, source: 'client' | 'publicApi', user: Record<string, unknown>): void {
    this.transaction += 1;
    const timestamp = new Date().toISOString();
    for (const hook of this.hooks) {
      const tableChange = this.filtered(hook, change);
      if (!tableChange) continue;
      hook.payloads.push({
        timestamp,
        baseTransactionNumber: this.transaction,
        actionMetadata: { source, sourceMetadata: { user } },
        payloadFormat: 'v0',
        changedTablesById: { [change.tableId]: tableChange },
      });
      this.ping(hook, timestamp);
    }
  }

  private filtered(hook: Webhook, change: TableChangeSet): Record<string, unknown> | null {
    const { dataTypes, recordChangeScope, changeTypes } = hook.specification.options.filters;
    if (!dataTypes.includes('tableData')) return null;
    if (recordChangeScope && recordChangeScope !== change.tableId) return null;
    const wants = (type: string) => !changeTypes || changeTypes.includes(type);
    const out: Record<string, unknown> = {};
    if (change.created && wants('add')) out.createdRecordsById = change.created;
    if (change.changed && wants('update')) out.changedRecordsById = change.changed;
    if (change.destroyed && wants('remove')) out.destroyedRecordIds = change.destroyed;
    return Object.keys(out).length > 0 ? out : null;
  }

  private ping(hook: Webhook, timestamp: string): void {
    const url = hook.notificationUrl();
    if (!url || !hook.areNotificationsEnabled) return;
    const body = JSON.stringify({ base: { id: this.baseId }, webhook: { id: hook.id }, timestamp });
    const started = Date.now();
    void this.sandbox.webhooks
      .send({
        vendor: 'airtable',
        url,
        body,
        contentType: 'application/json',
        headers: { 'x-airtable-content-mac': sign(hook.macSecretBase64, body) },
        retryDelaysMs: this.delivery.retryDelaysMs,
        timeoutMs: this.delivery.timeoutMs,
      })
      .then((attempts) => {
        const last = attempts.at(-1);
        const success = last?.status !== null && last!.status >= 200 && last!.status < 300;
        const completionTimestamp = new Date().toISOString();
        hook.lastNotificationResult = {
          success,
          ...(success ? {} : { error: { message: last?.error ?? `HTTP ${String(last?.status)}` } }),
          completionTimestamp,
          durationMs: Date.now() - started,
          retryNumber: attempts.length - 1,
          ...(success ? {} : { willBeRetried: false }),
        };
        if (success) hook.lastSuccessfulNotificationTime = completionTimestamp;
      });
  }

  /** `GET …/payloads?cursor=&limit=` */
  payloads(hook: Webhook, cursor: number, limit: number): Record<string, unknown> {
    const first = Math.max(cursor, 1);
    const page = hook.payloads.slice(first - 1, first - 1 + limit);
    return {
      cursor: first + page.length,
      mightHaveMore: first - 1 + page.length < hook.payloads.length,
      payloads: page,
    };
  }

  /** `GET /v0/bases/{baseId}/webhooks` item. */
  describe(hook: Webhook): Record<string, unknown> {
    return {
      id: hook.id,
      areNotificationsEnabled: hook.areNotificationsEnabled,
      cursorForNextPayload: hook.payloads.length + 1,
      isHookEnabled: true,
      lastSuccessfulNotificationTime: hook.lastSuccessfulNotificationTime,
      notificationUrl: hook.notificationUrl(),
      expirationTime: hook.expirationTime,
      lastNotificationResult: hook.lastNotificationResult,
      specification: hook.specification,
    };
  }
}
