import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message.js';
import { VendorError } from '../core/errors.js';
import { VENDOR } from './errors.js';

/** Twilio's message statuses [vendor-facts §5.4]; `partially_delivered` comes from the SDK's own type. */
export const SMS_STATUSES = [
  'queued',
  'accepted',
  'scheduled',
  'canceled',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'read',
  'receiving',
  'received',
  'partially_delivered',
] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

/** Statuses after which nothing more happens to an outbound message. */
export const FINAL_SMS_STATUSES: readonly SmsStatus[] = ['delivered', 'undelivered', 'failed', 'canceled', 'read'];

/** One message of the account's log, in our terms. */
export interface SmsMessage {
  sid: string;
  to: string;
  /** Null while a Messaging Service has not picked the sender yet. */
  from: string | null;
  body: string;
  direction: string;
  status: SmsStatus;
  errorCode: number | null;
  errorMessage: string | null;
  createdAt: string;
}

/** One status callback (form POST to StatusCallback), in our terms. */
export interface SmsStatusUpdate {
  messageSid: string;
  status: SmsStatus;
  errorCode: number | null;
  /** Our send's idempotency key, read back from the StatusCallback URL the send configured. */
  idempotencyKey: string | null;
}

/** The query parameter of the StatusCallback URL that carries our idempotency key. */
export const IDEMPOTENCY_KEY_PARAM = 'idempotencyKey';

export function isSmsStatus(value: unknown): value is SmsStatus {
  return typeof value === 'string' && (SMS_STATUSES as readonly string[]).includes(value);
}

function statusOf(value: unknown): SmsStatus {
  if (!isSmsStatus(value)) throw new VendorError(VENDOR, 'transient', `unknown message status: ${String(value)}`);
  return value;
}

export function parseMessage(message: MessageInstance): SmsMessage {
  return {
    sid: message.sid,
    to: message.to,
    from: message.from ?? null,
    body: message.body,
    direction: message.direction,
    status: statusOf(message.status),
    errorCode: message.errorCode ?? null,
    errorMessage: message.errorMessage ?? null,
    createdAt: message.dateCreated.toISOString(),
  };
}

/** The StatusCallback URL for one send: the receiver's URL with our idempotency key added to its query. */
export function statusCallbackUrl(receiverUrl: string, idempotencyKey: string): string {
  const url = new URL(receiverUrl);
  url.searchParams.set(IDEMPOTENCY_KEY_PARAM, idempotencyKey);
  return url.toString();
}

/**
 * Reads a status callback: `params` are the POSTed form fields, `url` the URL it was posted to (as configured, so
 * its query still carries the key). Throws `validation` on a callback that is not Twilio's shape.
 */
export function parseStatusCallback(url: string, params: Record<string, string | undefined>): SmsStatusUpdate {
  const messageSid = params.MessageSid ?? params.SmsSid;
  const status = params.MessageStatus ?? params.SmsStatus;
  if (!messageSid || !isSmsStatus(status)) {
    throw new VendorError(VENDOR, 'validation', 'status callback without MessageSid or a known MessageStatus');
  }
  const errorCode = params.ErrorCode ? Number(params.ErrorCode) : null;
  return {
    messageSid,
    status,
    errorCode: errorCode !== null && Number.isFinite(errorCode) ? errorCode : null,
    idempotencyKey: new URL(url, 'http://callback.invalid').searchParams.get(IDEMPOTENCY_KEY_PARAM),
  };
}
