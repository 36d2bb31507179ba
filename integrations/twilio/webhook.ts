import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import type { MessageStatusUpdate } from '../../workflows/message-signals.js';
import { parseStatusCallback, type SmsStatus, type SmsStatusUpdate } from './payloads.js';

/*
 * Twilio's webhooks (status callbacks and inbound SMS) [vendor-facts §5.4]: pure functions, no I/O, so the API can
 * use them without the client.
 */

/** The POSTed form fields; a repeated field keeps every value (Twilio signs each of them). */
export type TwilioFormParams = Record<string, string | string[]>;

/** What we answer every Twilio webhook with: TwiML that asks Twilio to do nothing more (no auto-reply). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export function parseFormBody(raw: string): TwilioFormParams {
  const params: TwilioFormParams = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return params;
}

/** One value of a field, or undefined when it is absent or repeated (no field we read may repeat). */
export function formValue(params: TwilioFormParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The URL Twilio signed: the one it was configured with (our public origin, since the API may sit behind a proxy
 * or a tunnel), with the path and query exactly as received.
 */
export function signedUrlOf(publicBaseUrl: string, pathAndQuery: string): string {
  return `${new URL(publicBaseUrl).origin}${pathAndQuery}`;
}

/**
 * `X-Twilio-Signature` checked by the twilio package's own validator (HMAC-SHA1 keyed with the auth token, over
 * the URL and the sorted parameters; it also tries the URL with and without the default port, in constant time).
 */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: TwilioFormParams,
): boolean {
  if (!signature || !authToken) return false;
  return validateRequest(authToken, signature, url, params);
}

/** A text a customer sent to one of our numbers. */
export interface InboundSms {
  messageSid: string;
  from: string;
  to: string | null;
  body: string;
}

export type TwilioWebhook = { kind: 'inbound'; sms: InboundSms } | { kind: 'status'; callback: SmsStatusUpdate };

/**
 * An inbound message carries status `received` and a Body; anything else posted here is a status callback of one
 * of our sends. Throws VendorError `validation` when it is neither.
 */
export function classifyTwilioWebhook(url: string, params: TwilioFormParams): TwilioWebhook {
  const value = (name: string) => formValue(params, name);
  const status = value('MessageStatus') ?? value('SmsStatus');
  const body = value('Body');
  const messageSid = value('MessageSid') ?? value('SmsSid');
  const from = value('From');
  if (status === 'received' && body !== undefined && messageSid && from) {
    return { kind: 'inbound', sms: { messageSid, from, to: value('To') ?? null, body } };
  }
  const flat = Object.fromEntries(Object.keys(params).map((name) => [name, value(name)]));
  return { kind: 'status', callback: parseStatusCallback(url, flat) };
}

/** Twilio error codes a status callback names, as Twilio's error dictionary words them. */
const ERROR_REASONS: Readonly<Record<number, string>> = {
  21211: "Invalid 'To' phone number",
  21408: 'Permission to send an SMS has not been enabled for the region indicated by the To number',
  21610: 'Attempt to send to unsubscribed recipient',
  21612: "The 'To' phone number is not currently reachable via SMS",
  21614: "'To' number is not a valid mobile number",
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered by the carrier',
  30008: 'Unknown error',
  30009: 'Missing segment',
  30010: 'Message price exceeds max price',
  30034: 'Message from an unregistered number (US A2P 10DLC)',
};

/** A readable reason for a failed send: the status callback carries only Twilio's error code. */
export function twilioFailureReason(status: SmsStatus, errorCode: number | null): string {
  if (errorCode === null) return `Twilio reported the message ${status}`;
  return ERROR_REASONS[errorCode] ?? `Twilio error ${errorCode}`;
}

/**
 * A status callback in our vocabulary, or null for statuses that say nothing new: queued, accepted, scheduled and
 * sending come before `sent`, which the send itself already recorded. Twilio's callbacks carry no event time, so
 * `receivedAt` stands in for it.
 */
export function messageStatusUpdateOf(callback: SmsStatusUpdate, receivedAt: Date): MessageStatusUpdate | null {
  const at = receivedAt.toISOString();
  switch (callback.status) {
    case 'sent':
    case 'delivered':
    case 'read':
      return { status: callback.status, vendorStatus: callback.status, at };
    case 'undelivered':
    case 'failed':
    case 'canceled':
      return {
        status: 'failed',
        vendorStatus: callback.status,
        at,
        ...(callback.errorCode !== null ? { errorCode: String(callback.errorCode) } : {}),
        errorMessage: twilioFailureReason(callback.status, callback.errorCode),
      };
    default:
      return null;
  }
}
