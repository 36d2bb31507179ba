import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { startCustomEvent } from '../../../temporal/custom-event-starters.js';
import { lookUpApiKey, type ApiKeyRefusal } from '../../auth/api-key-lookup.js';
import { CUSTOM_SOURCE_PATTERN, grantsCustomWebhook } from '../../auth/api-key-scopes.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validated, type JsonSchema, type ObjectSchema } from '../../validation.js';
import { takeWebhookEvents } from './inbox.js';
import { refuseWebhook, verifiedRequests } from './verification.js';

export const API_KEY_HEADER = 'X-API-Key';
/** Headers that name the event, first found wins; then the body's `id` / `event_id`, then a digest of the body. */
const EVENT_ID_HEADERS = ['Idempotency-Key', 'X-Event-Id'] as const;
const EVENT_TYPE_HEADER = 'X-Event-Type';
const MAX_EVENT_ID_LENGTH = 200;
const MAX_EVENT_TYPE_LENGTH = 200;
const MAX_SUMMARY_LENGTH = 500;

export const customParams = {
  type: 'object',
  properties: { source: { type: 'string', pattern: CUSTOM_SOURCE_PATTERN } },
  required: ['source'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** Whatever the sender's system posts: any JSON object or array, kept as it came in `webhook_events.payload`. */
export const customBody = {
  anyOf: [{ type: 'object', additionalProperties: {} }, { type: 'array' }],
} as const satisfies JsonSchema;

type Fields = Record<string, unknown>;

function fieldsOf(body: unknown): Fields {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Fields) : {};
}

function textField(fields: Fields, names: readonly string[]): string | null {
  for (const name of names) {
    const value = fields[name];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return null;
}

/** A header or field the sender chose, refused (400) when it is too long to be an id or a type. */
function bounded(value: string | null, what: string, maxLength: number): string | null {
  if (value !== null && value.length > maxLength) {
    throw new AppError('validation_failed', 400, 'Request validation failed', [
      { location: 'headers', path: '', message: `${what} must be at most ${maxLength} characters` },
    ]);
  }
  return value;
}

/**
 * The sender's id for the event, stable across its retries: the first of the id headers, the body's `id` or
 * `event_id`, or else a digest of the exact body (so a plain resend of the same bytes is still recognised).
 */
function eventIdOf(ctx: Context, body: unknown): string {
  const fromHeader = EVENT_ID_HEADERS.map((name) => ctx.get(name)).find((value) => value !== '') ?? null;
  const chosen = fromHeader ?? textField(fieldsOf(body), ['id', 'event_id']);
  const raw = ctx.request.rawBody ?? JSON.stringify(body);
  return bounded(chosen, 'the event id', MAX_EVENT_ID_LENGTH) ?? createHash('sha256').update(raw).digest('base64url');
}

function eventTypeOf(ctx: Context, body: unknown): string | null {
  const fields = fieldsOf(body);
  const chosen =
    ctx.get(EVENT_TYPE_HEADER) ||
    [fields.type, fields.event].find((value): value is string => typeof value === 'string' && value !== '') ||
    null;
  return bounded(chosen, 'the event type', MAX_EVENT_TYPE_LENGTH);
}

/** A line for the dashboard: the sender's own words when it gave some, else who sent what. */
function summaryOf(source: string, eventType: string | null, body: unknown): string {
  const fields = fieldsOf(body);
  const own = [fields.summary, fields.message, fields.title].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '' && value.length <= MAX_SUMMARY_LENGTH,
  );
  return own ?? `${source} sent ${eventType ?? 'an event'}`;
}

/** The security log's reason for a key that cannot act; unknown, malformed and wrong keys are all just invalid. */
function refusalReason(reason: ApiKeyRefusal): string {
  return reason === 'revoked' || reason === 'expired' || reason === 'creator_inactive'
    ? `api_key_${reason}`
    : 'api_key_invalid';
}

/**
 * `POST /api/webhooks/custom/:source`: events from systems of the business's own (a website form, a monitoring
 * script), authenticated by an API key in `X-API-Key` whose scopes include `webhooks:custom:<source>` (or `:*`).
 */
export function customReceiver(deps: AppDeps) {
  const authenticated = verifiedRequests<{ apiKeyId: string }>();

  return {
    /** Runs after the params check (so `source` is valid) and before the body is validated. */
    async authenticate(ctx: Context, next: Next): Promise<void> {
      const { source } = validated<{ source: string }>(ctx, 'params');
      const presented = ctx.get(API_KEY_HEADER);
      if (!presented) return refuseWebhook(deps, ctx, 'custom', 'api_key_missing');
      const lookup = await lookUpApiKey(deps.orm, presented);
      if (!lookup.usable) return refuseWebhook(deps, ctx, 'custom', refusalReason(lookup.reason));
      if (!grantsCustomWebhook(lookup.key.scopes, source)) return refuseWebhook(deps, ctx, 'custom', 'api_key_scope');
      authenticated.set(ctx, { apiKeyId: lookup.key.id });
      await next();
    },

    async receive(ctx: Context): Promise<void> {
      // Throws unless `authenticate` ran first: a wiring mistake must not open the source to anyone.
      authenticated.get(ctx);
      const { source } = validated<{ source: string }>(ctx, 'params');
      const body = validated<unknown>(ctx, 'body');
      const eventId = eventIdOf(ctx, body);
      const eventType = eventTypeOf(ctx, body);
      const receivedAt = new Date().toISOString();
      const { client } = deps.temporal;
      const { taskQueue } = deps.config.temporal;
      const result = await takeWebhookEvents(deps, ctx, { vendor: 'custom', source: `custom:${source}` }, [
        {
          eventId,
          eventType,
          payload: body,
          handOff: async (webhookEventId) => [
            await startCustomEvent(client, taskQueue, {
              source,
              eventType,
              eventId,
              webhookEventId,
              receivedAt,
              summary: summaryOf(source, eventType, body),
            }),
          ],
        },
      ]);
      ctx.status = 202;
      ctx.body = { eventId, duplicate: result.duplicates > 0 };
    },
  };
}
