import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { WEBHOOK_EVENT_STATUSES, WEBHOOK_SENDERS } from './enums.js';

/*
 * The inbox of webhook events (db/repositories/webhook-events.ts). The (source, event_id) constraint is the
 * dedupe: a redelivered event finds its row and starts nothing twice.
 */
export const WebhookEventSchema = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_events',
  properties: {
    ...baseProperties(),
    vendor: p.enum(WEBHOOK_SENDERS),
    /** The vendor's name, or `custom:<name>` for a custom source. */
    source: p.string().length(120),
    /** The vendor's delivery or event id (or a digest of what identifies the event when the vendor sends none). */
    eventId: p.string(),
    eventType: p.string().nullable(),
    signatureValid: p.boolean(),
    payload: p.json<unknown>(),
    headers: p.json<Record<string, string>>().nullable(),
    receivedAt: p
      .datetime()
      .onCreate(() => new Date())
      .defaultRaw('now()')
      .index(),
    processedAt: p.datetime().nullable(),
    status: p.enum(WEBHOOK_EVENT_STATUSES).default('received').index(),
    error: p.text().nullable(),
    /** How many times the event reached us: above one, the vendor redelivered it and we answered without acting. */
    deliveries: p.integer().default(1),
    /** The workflows it was handed to (signalled or started). */
    workflowIds: p.array().defaultRaw(`'{}'`),
  },
  uniques: [{ properties: ['source', 'eventId'] }],
});

export class WebhookEvent extends WebhookEventSchema.class {}
WebhookEventSchema.setClass(WebhookEvent);
