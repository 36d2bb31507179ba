import { createHmac, randomUUID } from 'node:crypto';
import type { Sandbox, WorldChange } from '../../core/sandbox.js';
import { idOf } from './format.js';
import type { QuickbooksOptions } from './options.js';
import { tableFor } from './tables.js';
import { QboView } from './views.js';
import type { QboState } from './state.js';

const OPERATIONS = { create: 'Create', update: 'Update', delete: 'Delete' } as const;
const CLOUD_EVENT_VERBS = { create: 'created', update: 'updated', delete: 'deleted' } as const;

/** `intuit-signature`: base64 HMAC-SHA256 of the raw body, keyed with the app's webhook verifier token. */
export function intuitSignature(verifierToken: string, body: string): string {
  return createHmac('sha256', verifierToken).update(body, 'utf8').digest('base64');
}

interface EntityEvent {
  name: string;
  id: string;
  operation: WorldChange['action'];
  at: number;
}

function legacyPayload(realmId: string, event: EntityEvent): unknown {
  return {
    eventNotifications: [
      {
        realmId,
        dataChangeEvent: {
          entities: [
            {
              name: event.name,
              id: event.id,
              operation: OPERATIONS[event.operation],
              lastUpdated: new Date(event.at).toISOString(),
            },
          ],
        },
      },
    ],
  };
}

function cloudEventsPayload(realmId: string, event: EntityEvent): unknown {
  return [
    {
      specversion: '1.0',
      id: randomUUID(),
      source: 'intuit.sandbox.quickbooks',
      type: `qbo.${event.name.toLowerCase()}.${CLOUD_EVENT_VERBS[event.operation]}.v1`,
      datacontenttype: 'application/json',
      time: new Date(event.at).toISOString(),
      intuitentityid: event.id,
      intuitaccountid: realmId,
      data: {},
    },
  ];
}

/**
 * Sends QBO's data-change webhook for a change to a customer, invoice, payment or expense, if the app has a
 * webhook URL and QuickBooks has a copy of the record. One event per notification (Intuit batches several;
 * not simulated). Retries on Intuit's schedule until a 2xx.
 */
export function notifyChange(
  sandbox: Sandbox,
  state: QboState,
  options: QuickbooksOptions,
  change: Pick<WorldChange, 'entity' | 'action' | 'key'>,
): Promise<void> {
  const url = sandbox.settings.webhookUrls.quickbooks;
  const table = tableFor(change.entity);
  if (!url || !table) return Promise.resolve();
  const view = new QboView(sandbox.world, state);
  const row = table.rows(sandbox.world)[change.key];
  if (!row || !table.exists(view, row)) return Promise.resolve();
  const event: EntityEvent = { name: table.name, id: idOf(change.key), operation: change.action, at: Date.now() };
  const payload =
    options.webhookFormat === 'cloudevents'
      ? cloudEventsPayload(options.realmId, event)
      : legacyPayload(options.realmId, event);
  const body = JSON.stringify(payload);
  // Not awaited: the sender retries in the background (tests wait with sandbox.webhooks.drain()).
  void sandbox.webhooks.send({
    vendor: 'quickbooks',
    url,
    body,
    contentType: 'application/json',
    headers: { 'intuit-signature': intuitSignature(options.webhookVerifierToken, body) },
    retryDelaysMs: options.webhookRetryDelaysMs,
    timeoutMs: options.webhookTimeoutMs,
  });
  return Promise.resolve();
}
