import twilio from 'twilio';
import { jobberWebhookEventOf, type JobberWebhookBody } from '../../integrations/jobber/webhook.js';
import { quickbooksChangesOf, type LegacyNotificationBody } from '../../integrations/quickbooks/webhook.js';
import type { Random } from '../../sandbox/core/random.js';
import { encodeId, type JobberType } from '../../sandbox/vendors/jobber/ids.js';
import {
  SIGNATURE_HEADER as JOBBER_SIGNATURE_HEADER,
  sign as jobberSign,
} from '../../sandbox/vendors/jobber/webhooks.js';
import { intuitSignature } from '../../sandbox/vendors/quickbooks/index.js';
import { signedHeaders as slackSignedHeaders } from '../../sandbox/vendors/slack/signing.js';
import { workflowIds } from '../../temporal/workflow-ids.js';

export const BURST_VENDORS = ['jobber', 'quickbooks', 'slack', 'twilio'] as const;
export type BurstVendor = (typeof BURST_VENDORS)[number];

/** What each vendor signs with, and the connection each one's events belong to (from the sandbox's `GET /_sandbox`). */
export interface BurstTargets {
  /** The API's own origin: Twilio signs the URL it posts to. */
  publicBaseUrl: string;
  jobber: { connectionId: string; clientSecret: string; accountId: string; appId: string };
  quickbooks: { connectionId: string; verifierToken: string; realmId: string };
  slack: {
    connectionId: string;
    signingSecret: string;
    verificationToken: string;
    teamId: string;
    appId: string;
    channels: string[];
    user: string;
  };
  twilio: { connectionId: string; accountSid: string; authToken: string; phoneNumber: string };
}

/** One vendor's delivery, signed as that vendor signs (or signed wrongly, as the plan asks). */
export interface SignedDelivery {
  vendor: BurstVendor;
  path: string;
  body: string;
  /** The request headers at `now`: Slack signs every attempt with its send time, the others are fixed bytes. */
  headers(now: number): Record<string, string>;
  /** The inbox's event id. */
  eventId: string;
  /** The workflow an accepted event is handed to: the resource's sync, or the inbound message's recording. */
  workflowId: string;
  /** Slack `<channel>:<ts>` or Twilio MessageSid: how the messages table keys the inbound message. */
  inboundKey?: string;
}

export type Signing = 'valid' | 'wrong_key' | 'stale';

/** Replay windows are 5 minutes (Slack): ten minutes old is stale for every receiver that checks. */
const STALE_BY_MS = 10 * 60_000;
const WRONG_KEY = 'bench-wrong-signing-key';

/** Jobber topics and Intuit entities per synced resource; written out here rather than taken from the receivers. */
const JOBBER_TOPICS: ReadonlyArray<{ topic: string; type: JobberType; resource: string }> = [
  { topic: 'CLIENT_UPDATE', type: 'Client', resource: 'customers' },
  { topic: 'JOB_UPDATE', type: 'Job', resource: 'jobs' },
  { topic: 'QUOTE_UPDATE', type: 'Quote', resource: 'quotes' },
  { topic: 'INVOICE_UPDATE', type: 'Invoice', resource: 'invoices' },
];
const QUICKBOOKS_ENTITIES: ReadonlyArray<{ name: string; resource: string }> = [
  { name: 'Customer', resource: 'customers' },
  { name: 'Invoice', resource: 'invoices' },
  { name: 'Payment', resource: 'payments' },
  { name: 'Purchase', resource: 'expenses' },
];

const json = (headers: Record<string, string>) => ({ 'content-type': 'application/json', ...headers });

/** What a vendor's delivery is built from: `serial` makes its event distinct, `runTag` its ids distinct across runs. */
export interface Draw {
  rng: Random;
  serial: number;
  runTag: string;
  signing: Signing;
}

function jobberDelivery(targets: BurstTargets, { rng, serial, signing }: Draw): SignedDelivery {
  const { topic, type, resource } = rng.pick(JOBBER_TOPICS);
  const { accountId, appId, clientSecret, connectionId } = targets.jobber;
  const event = { topic, appId, accountId, itemId: encodeId(type, serial), occurredAt: eventTime(serial) };
  const body = JSON.stringify({ data: { webHookEvent: event } });
  const signature = jobberSign(signing === 'valid' ? clientSecret : WRONG_KEY, body);
  const headers = json({ [JOBBER_SIGNATURE_HEADER]: signature, 'user-agent': 'Jobber-Webhooks' });
  return {
    vendor: 'jobber',
    path: '/api/webhooks/jobber',
    body,
    headers: () => headers,
    eventId: jobberWebhookEventOf(JSON.parse(body) as JobberWebhookBody).eventId,
    workflowId: workflowIds.sync(connectionId, resource),
  };
}

function quickbooksDelivery(targets: BurstTargets, { rng, serial, signing }: Draw): SignedDelivery {
  const { name, resource } = rng.pick(QUICKBOOKS_ENTITIES);
  const { realmId, verifierToken, connectionId } = targets.quickbooks;
  const entity = { name, id: String(serial), operation: 'Update', lastUpdated: eventTime(serial) };
  const body = JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: [entity] } }] });
  const signature = intuitSignature(signing === 'valid' ? verifierToken : WRONG_KEY, body);
  const headers = json({ 'intuit-signature': signature, 'user-agent': 'Intuit-Webhooks' });
  return {
    vendor: 'quickbooks',
    path: '/api/webhooks/quickbooks',
    body,
    headers: () => headers,
    eventId: quickbooksChangesOf(JSON.parse(body) as LegacyNotificationBody)[0]!.eventId,
    workflowId: workflowIds.sync(connectionId, resource),
  };
}

function slackDelivery(targets: BurstTargets, { rng, serial, runTag, signing }: Draw): SignedDelivery {
  const { teamId, appId, channels, user, signingSecret, verificationToken } = targets.slack;
  const channel = rng.pick(channels);
  // Slack's ts: unix seconds and six digits; the serial keeps every message distinct.
  const ts = `${Math.floor(Date.now() / 1000)}.${String(serial).padStart(6, '0')}`;
  const eventId = `Ev${runTag.toUpperCase()}${String(serial).padStart(8, '0')}`;
  const body = JSON.stringify({
    token: verificationToken,
    team_id: teamId,
    api_app_id: appId,
    event: {
      type: 'message',
      user,
      text: `Bench message ${serial}`,
      ts,
      channel,
      event_ts: ts,
      channel_type: 'channel',
    },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
  });
  const secret = signing === 'wrong_key' ? WRONG_KEY : signingSecret;
  return {
    vendor: 'slack',
    path: '/api/webhooks/slack',
    body,
    headers: (now) => slackSignedHeaders(secret, body, signing === 'stale' ? now - STALE_BY_MS : now),
    eventId,
    workflowId: workflowIds.inboundMessage('slack', `${channel}:${ts}`),
    inboundKey: `${channel}:${ts}`,
  };
}

function twilioDelivery(targets: BurstTargets, { rng, serial, runTag, signing }: Draw): SignedDelivery {
  const { accountSid, authToken, phoneNumber } = targets.twilio;
  const messageSid = `SM${runTag}${rng.hex(32 - runTag.length)}`;
  const params = {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    Body: `Bench text ${serial}`,
    From: `+1512555${String(serial % 10_000).padStart(4, '0')}`,
    FromCountry: 'US',
    MessageSid: messageSid,
    NumMedia: '0',
    NumSegments: '1',
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    To: phoneNumber,
    ToCountry: 'US',
  };
  const url = `${targets.publicBaseUrl}/api/webhooks/twilio`;
  const signature = twilio.getExpectedTwilioSignature(signing === 'valid' ? authToken : WRONG_KEY, url, params);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': signature,
    'user-agent': 'TwilioProxy/1.1',
  };
  return {
    vendor: 'twilio',
    path: '/api/webhooks/twilio',
    body: new URLSearchParams(params).toString(),
    headers: () => headers,
    eventId: `sms:${messageSid}`,
    workflowId: workflowIds.inboundMessage('twilio', messageSid),
    inboundKey: messageSid,
  };
}

/** Each vendor's delivery builder. */
export const SIGNED_DELIVERIES: Record<BurstVendor, (targets: BurstTargets, draw: Draw) => SignedDelivery> = {
  jobber: jobberDelivery,
  quickbooks: quickbooksDelivery,
  slack: slackDelivery,
  twilio: twilioDelivery,
};

/** Distinct per serial, so every unique event has its own id (Jobber's and Intuit's ids digest it). */
function eventTime(serial: number): string {
  return new Date(Date.UTC(2026, 0, 1) + serial * 1000).toISOString();
}
