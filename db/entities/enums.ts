/*
 * Closed vocabularies stored as text with a CHECK constraint (MikroORM's default enum mapping on PostgreSQL):
 * adding a value is a one-line migration, unlike a native PostgreSQL enum type.
 */
export const VENDORS = ['jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable'] as const;
export type Vendor = (typeof VENDORS)[number];

export const USER_ROLES = ['admin', 'user', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const CONNECTION_STATUSES = ['connected', 'error', 'disconnected', 'needs_reauth'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const MESSAGE_CHANNELS = ['email', 'sms', 'slack'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/*
 * An outbound message moves queued → sending → sent → delivered, or to failed from any earlier state; an inbound
 * one is `received`. Transitions never go backwards (db/repositories/messages.ts enforces it in SQL), so a late
 * or repeated vendor callback cannot undo a delivery.
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'received'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const JOB_DOCUMENT_STATUSES = ['pending', 'uploaded', 'shared', 'failed'] as const;
export type JobDocumentStatus = (typeof JOB_DOCUMENT_STATUSES)[number];

export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

/** Who posts webhooks to us: the vendors, and `custom` sources authenticated by API key. */
export const WEBHOOK_SENDERS = [...VENDORS, 'custom'] as const;
export type WebhookSender = (typeof WEBHOOK_SENDERS)[number];

/*
 * A webhook event is `received` once persisted, `processed` once handed to its workflow(s), `ignored` when it asks
 * for nothing (an unknown topic, our own bot's echo), `failed` when the hand-off failed (the vendor's redelivery,
 * or the sweeper, picks it up again). `processing` is kept for rows written before the inbox existed.
 */
export const WEBHOOK_EVENT_STATUSES = ['received', 'processing', 'processed', 'failed', 'ignored'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

export const SECURITY_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type SecuritySeverity = (typeof SECURITY_SEVERITIES)[number];
