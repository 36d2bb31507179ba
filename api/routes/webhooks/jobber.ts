import type { Context, Next } from 'koa';
import {
  jobberSignatureMatches,
  jobberWebhookAction,
  jobberWebhookEventOf,
  SIGNATURE_HEADER,
  type JobberWebhookBody,
} from '../../../integrations/jobber/webhook.js';
import type { SyncPassRequester } from '../../../temporal/sync-pass-requests.js';
import { startConnectionHealthCheck } from '../../../temporal/workflow-starters.js';
import type { AppDeps } from '../../deps.js';
import { validated, type JsonSchema } from '../../validation.js';
import { takeWebhookEvents } from './inbox.js';
import { canSync, refuseWebhook, verifiedRequests, webhookKeys, type WebhookKey } from './verification.js';

const encodedId = { type: 'string', minLength: 1, maxLength: 200 } as const;
const isoTime = { type: 'string', minLength: 1, maxLength: 40 } as const;

/** Jobber's webhook body [vendor-facts §1.5]; Jobber may add fields, so others are accepted. */
export const jobberBody = {
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: {
        webHookEvent: {
          type: 'object',
          properties: {
            topic: { type: 'string', pattern: '^[A-Z][A-Z_]{0,99}$' },
            appId: encodedId,
            accountId: encodedId,
            itemId: encodedId,
            occurredAt: isoTime,
            occuredAt: isoTime,
          },
          required: ['topic', 'accountId', 'itemId'],
          additionalProperties: {},
        },
      },
      required: ['webHookEvent'],
      additionalProperties: {},
    },
  },
  required: ['data'],
  additionalProperties: {},
} as const satisfies JsonSchema;

function accountIdOf(body: unknown): string | undefined {
  const accountId = (body as { data?: { webHookEvent?: { accountId?: unknown } } } | null)?.data?.webHookEvent
    ?.accountId;
  return typeof accountId === 'string' && accountId.length > 0 ? accountId : undefined;
}

/** `POST /api/webhooks/jobber`: changes to clients, jobs, quotes and invoices, and app disconnects. */
export function jobberReceiver(deps: AppDeps, requestPass: SyncPassRequester) {
  const keysOf = webhookKeys(deps);
  const verified = verifiedRequests<{ connection: WebhookKey | null }>();

  return {
    /**
     * `X-Jobber-Hmac-SHA256` over the raw body, keyed with our app's client secret: the configured one, or the one a
     * connection of the account the body names was made with (an app's secret can be rolled while connections live).
     */
    async verify(ctx: Context, next: Next): Promise<void> {
      const signature = ctx.get(SIGNATURE_HEADER);
      if (!signature) return refuseWebhook(deps, ctx, 'jobber', 'missing_signature');
      const accountId = accountIdOf(ctx.request.body);
      const connections = accountId ? await keysOf('jobber', accountId) : [];
      const secrets = new Set(
        [
          deps.config.oauthApps.jobber?.clientSecret,
          ...connections.map(({ secrets }) => secrets.oauth?.clientSecret),
        ].filter((secret): secret is string => Boolean(secret)),
      );
      if (secrets.size === 0) return refuseWebhook(deps, ctx, 'jobber', 'no_verification_key');
      const rawBody = ctx.request.rawBody ?? '';
      if (![...secrets].some((secret) => jobberSignatureMatches(secret, rawBody, signature))) {
        return refuseWebhook(deps, ctx, 'jobber', 'signature_mismatch');
      }
      verified.set(ctx, { connection: connections[0] ?? null });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      const { connection } = verified.get(ctx);
      const body = validated<JobberWebhookBody>(ctx, 'body');
      const event = jobberWebhookEventOf(body);
      const action = jobberWebhookAction(event.topic);
      const { temporal, config } = deps;
      const result = await takeWebhookEvents(deps, ctx, { vendor: 'jobber', source: 'jobber' }, [
        {
          eventId: event.eventId,
          eventType: event.topic,
          payload: body,
          async handOff(inboxId) {
            if (!connection || !action) return [];
            const target = { id: connection.connectionId, vendor: 'jobber' };
            if (action.kind === 'check_connection') {
              const handle = await startConnectionHealthCheck(temporal.client, config.temporal.taskQueue, target);
              return [handle.workflowId];
            }
            if (!canSync(connection)) return [];
            return [
              await requestPass(target, action.resource, {
                reason: `webhook: jobber ${event.topic}`,
                externalIds: [event.itemId],
                webhookEventId: inboxId,
              }),
            ];
          },
        },
      ]);
      ctx.body = result;
    },
  };
}
