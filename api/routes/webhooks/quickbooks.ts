import type { Context, Next } from 'koa';
import {
  intuitSignatureMatches,
  quickbooksChangesOf,
  quickbooksResourceOf,
  SIGNATURE_HEADER,
  type CloudEvent,
  type LegacyNotificationBody,
} from '../../../integrations/quickbooks/webhook.js';
import type { SyncPassRequester } from '../../../temporal/sync-pass-requests.js';
import type { AppDeps } from '../../deps.js';
import { validated, type JsonSchema } from '../../validation.js';
import { takeWebhookEvents, type IncomingEvent } from './inbox.js';
import { canSync, refuseWebhook, verifiedRequests, webhookKeys, type WebhookKey } from './verification.js';

const id = { type: 'string', minLength: 1, maxLength: 100 } as const;
const word = { type: 'string', minLength: 1, maxLength: 100 } as const;

/** The legacy notification form [vendor-facts §2.8]. */
const legacyBody = {
  type: 'object',
  properties: {
    eventNotifications: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: {
          realmId: id,
          dataChangeEvent: {
            type: 'object',
            properties: {
              entities: {
                type: 'array',
                maxItems: 1000,
                items: {
                  type: 'object',
                  properties: { name: word, id, operation: word, lastUpdated: word, deletedId: id },
                  required: ['name', 'id', 'operation'],
                  additionalProperties: {},
                },
              },
            },
            required: ['entities'],
            additionalProperties: {},
          },
        },
        required: ['realmId'],
        additionalProperties: {},
      },
    },
  },
  required: ['eventNotifications'],
  additionalProperties: {},
} as const;

/** The CloudEvents form Intuit is migrating to: a JSON array of events. */
const cloudEventsBody = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    properties: {
      specversion: word,
      id,
      source: { type: 'string', maxLength: 500 },
      type: { type: 'string', pattern: '^qbo\\.[a-z]+\\.[a-z]+\\.v[0-9]+$', maxLength: 100 },
      time: word,
      intuitentityid: id,
      intuitaccountid: id,
    },
    required: ['id', 'type', 'intuitaccountid'],
    additionalProperties: {},
  },
} as const;

export const quickbooksBody = { anyOf: [legacyBody, cloudEventsBody] } as const satisfies JsonSchema;

/** `POST /api/webhooks/quickbooks`: data changes in the companies we are connected to. */
export function quickbooksReceiver(deps: AppDeps, requestPass: SyncPassRequester) {
  const keysOf = webhookKeys(deps);
  const verified = verifiedRequests<{ connections: WebhookKey[] }>();

  return {
    /**
     * `intuit-signature` over the raw body, keyed with the app's webhook verifier token (configured, or stored with a
     * connection). One body may report several companies, so every QuickBooks connection is a candidate.
     */
    async verify(ctx: Context, next: Next): Promise<void> {
      const signature = ctx.get(SIGNATURE_HEADER);
      if (!signature) return refuseWebhook(deps, ctx, 'quickbooks', 'missing_signature');
      const connections = await keysOf('quickbooks');
      const tokens = new Set(
        [
          deps.config.oauthApps.quickbooks?.webhookVerifierToken,
          ...connections.map(({ secrets }) => secrets.webhook?.verifierToken),
        ].filter((token): token is string => Boolean(token)),
      );
      if (tokens.size === 0) return refuseWebhook(deps, ctx, 'quickbooks', 'no_verification_key');
      const rawBody = ctx.request.rawBody ?? '';
      if (![...tokens].some((token) => intuitSignatureMatches(token, rawBody, signature))) {
        return refuseWebhook(deps, ctx, 'quickbooks', 'signature_mismatch');
      }
      verified.set(ctx, { connections });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      const { connections } = verified.get(ctx);
      const body = validated<LegacyNotificationBody | CloudEvent[]>(ctx, 'body');
      const byRealm = new Map(connections.map((connection) => [connection.externalAccountId, connection]));
      const events: IncomingEvent[] = quickbooksChangesOf(body).map((change) => ({
        eventId: change.eventId,
        eventType: `${change.entity}.${change.operation}`,
        payload: change,
        async handOff(inboxId) {
          const connection = byRealm.get(change.realmId);
          const resource = quickbooksResourceOf(change.entity);
          if (!connection || !resource || !canSync(connection)) return [];
          // The incremental QuickBooks sync is a CDC read from its checkpoint: it picks this change up with any other.
          return [
            await requestPass({ id: connection.connectionId, vendor: 'quickbooks' }, resource, {
              reason: `webhook: quickbooks ${change.entity} ${change.operation}`,
              externalIds: change.entityId ? [change.entityId] : [],
              webhookEventId: inboxId,
            }),
          ];
        },
      }));
      ctx.body = await takeWebhookEvents(deps, ctx, { vendor: 'quickbooks', source: 'quickbooks' }, events);
    },
  };
}
