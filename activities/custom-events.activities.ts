import type { ActivityDeps } from './deps.js';

/** One event a custom webhook source posted, as the dashboard announces it (`alert.created`). */
export interface CustomEventAlert {
  /** The source's name (the `:source` of `/api/webhooks/custom/:source`). */
  source: string;
  eventType: string | null;
  /** The sender's event id (or the digest of the body when it sent none). */
  eventId: string;
  /** The event's `webhook_events` row, where its payload is kept. */
  webhookEventId: string;
  /** ISO 8601. */
  receivedAt: string;
  summary: string;
}

export function createCustomEventActivities({ events }: ActivityDeps) {
  return {
    /**
     * Tells connected dashboards a custom source sent something. Publishing twice (a retried activity) shows the
     * same alert twice at worst; clients key alerts by `webhookEventId`.
     */
    async announceCustomEvent(alert: CustomEventAlert): Promise<void> {
      await events.publish('alert.created', {
        kind: 'custom',
        type: alert.eventType ?? 'custom_event',
        severity: 'info',
        title: alert.summary,
        subject: { source: alert.source, eventId: alert.eventId, webhookEventId: alert.webhookEventId },
        ...alert,
      });
    },
  };
}
