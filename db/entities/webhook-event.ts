import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { VENDORS, WEBHOOK_EVENT_STATUSES } from './enums.js';

/*
 * Inbox of every webhook delivery. The (vendor, event_id) constraint is the dedupe: a redelivered event hits the
 * constraint and starts nothing twice.
 */
export const WebhookEventSchema = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_events',
  properties: {
    ...baseProperties(),
    vendor: p.enum(VENDORS),
    /** The vendor's delivery or event id (or a hash of the body when the vendor sends none). */
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
    workflowId: p.string().nullable().index(),
  },
  uniques: [{ properties: ['vendor', 'eventId'] }],
});

export class WebhookEvent extends WebhookEventSchema.class {}
WebhookEventSchema.setClass(WebhookEvent);
