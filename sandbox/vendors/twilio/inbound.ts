import type { WorldChange } from '../../core/sandbox.js';
import type { TwilioDeps } from './context.js';
import { twilioPhone } from './history.js';
import { segmentsOf, type MessageRecord } from './message.js';
import type { FormParams } from './signing.js';
import { sendTwilioWebhook } from './signing.js';
import { E164 } from './validation.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A customer texted the business (control API `mutate {entity: 'sms', changes: {from, to, body, mediaUrls?}}`;
 * `customerKey` instead of `from` uses that customer's number). The message joins the log, opt-out keywords take
 * effect, and the app's webhook gets Twilio's inbound-message POST [vendor-facts §5.4].
 */
export async function receiveSms(deps: TwilioDeps, change: WorldChange): Promise<void> {
  const { sandbox, options, store } = deps;
  const payload = change.payload ?? {};
  const customerKey = typeof payload.customerKey === 'number' ? payload.customerKey : undefined;
  const customer = customerKey === undefined ? undefined : sandbox.world.customers[customerKey];
  const from = text(payload.from) ?? (customer ? twilioPhone(customer) : null);
  const to = text(payload.to) ?? options.phoneNumbers[0];
  // Twilio only receives on the account's own numbers, from real phone numbers.
  if (!from || !E164.test(from) || !to || !options.phoneNumbers.includes(to)) return;
  const body = text(payload.body) ?? '';
  const mediaUrls = Array.isArray(payload.mediaUrls) ? payload.mediaUrls.filter((url) => typeof url === 'string') : [];
  const now = Date.now();
  const message: MessageRecord = {
    sid: store.nextSid('inbound', mediaUrls.length > 0),
    direction: 'inbound',
    from,
    to,
    body,
    mediaUrls,
    messagingServiceSid: null,
    status: 'received',
    errorCode: null,
    errorMessage: null,
    price: null,
    dateCreated: now,
    dateUpdated: now,
    dateSent: now,
  };
  store.add(message);
  store.applyKeyword(from, body);

  const url = sandbox.settings.webhookUrls.twilio;
  if (!url) return;
  const params: FormParams = {
    AccountSid: options.accountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    FromCountry: 'US',
    MessageSid: message.sid,
    NumMedia: String(mediaUrls.length),
    NumSegments: String(segmentsOf(body)),
    SmsMessageSid: message.sid,
    SmsSid: message.sid,
    SmsStatus: 'received',
    To: to,
    ToCountry: 'US',
  };
  mediaUrls.forEach((mediaUrl, index) => {
    params[`MediaUrl${index}`] = mediaUrl;
    params[`MediaContentType${index}`] = 'image/jpeg';
  });
  // Not awaited: retries and read timeouts must not hold up the control API; the sender tracks it for drain().
  void sendTwilioWebhook(sandbox, options, url, params);
}
