/** One SMS/MMS in the account's message log, in sandbox terms (times in epoch ms). */
export type MessageStatus =
  'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';

export interface MessageRecord {
  sid: string;
  direction: 'outbound-api' | 'inbound';
  /** Null while a Messaging Service has not picked a sender yet (status accepted). */
  from: string | null;
  to: string;
  body: string;
  mediaUrls: string[];
  messagingServiceSid: string | null;
  status: MessageStatus;
  errorCode: number | null;
  errorMessage: string | null;
  price: string | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
}

/** Twilio's price for one US SMS segment, as the API shows it (negative, string). */
export const SEGMENT_PRICE = 0.0079;

// GSM 03.38 basic set (plus the extension table's characters, which cost two septets; ignored here).
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

/** Segments as carriers count them: 160/153 GSM-7 characters, or 70/67 UCS-2 code units otherwise. */
export function segmentsOf(body: string): number {
  const [single, multi] = GSM7.test(body) ? [160, 153] : [70, 67];
  if (body.length <= single) return 1;
  return Math.ceil(body.length / multi);
}

export function priceOf(body: string): string {
  return (-SEGMENT_PRICE * segmentsOf(body)).toFixed(5);
}

/** Twilio's RFC 2822 dates always say `+0000` (the SDK parses exactly that pattern). */
export function rfc2822(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** The message as `GET …/Messages/{Sid}.json` returns it [vendor-facts §5.2; field list UNVERIFIED]. */
export function messageJson(message: MessageRecord, accountSid: string): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: rfc2822(message.dateSent),
    date_updated: rfc2822(message.dateUpdated),
    direction: message.direction,
    error_code: message.errorCode,
    error_message: message.errorMessage,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: String(message.mediaUrls.length),
    num_segments: String(segmentsOf(message.body)),
    price: message.price,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}
