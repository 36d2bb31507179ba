import twilio from 'twilio';
import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message.js';
import { isVendorError } from '../core/errors.js';
import { toVendorError, RATE_LIMIT_PAUSE_MS } from './errors.js';
import { parseMessage, statusCallbackUrl, type SmsMessage } from './payloads.js';

export interface TwilioClientOptions {
  /** The account (`AC…`) the connection belongs to. */
  accountSid: string;
  /** The account's auth token (what a Twilio connection stores as its access token). */
  authToken: string;
  /** Default `https://api.twilio.com`; the sandbox's base URL in tests (use an IP or `localhost`, see below). */
  endpointUrl?: string;
  /** Per-request timeout (the SDK's default is 30 s). Default 15 s. */
  timeoutMs?: number;
  /** Reported as `retryAfterMs` on a 429 (Twilio documents no Retry-After). */
  rateLimitPauseMs?: number;
}

export interface SmsSend {
  /** Our business id for this send (e.g. the message row's id): carried in the StatusCallback URL. */
  idempotencyKey: string;
  to: string;
  body: string;
  /** One of the account's numbers, or a Messaging Service (`MG…`) that picks one. */
  from?: string;
  messagingServiceSid?: string;
  /** Our status-callback receiver; the key is added to its query so every callback names the send. */
  statusCallbackUrl?: string;
}

export interface SentSmsQuery {
  to: string;
  body: string;
  /** When the first attempt of this send started: only messages created since then can be it. */
  notBefore: Date;
}

export interface TwilioClient {
  sendSms(send: SmsSend): Promise<SmsMessage>;
  /** Null when the account has no such message. */
  getMessage(sid: string): Promise<SmsMessage | null>;
  /**
   * Asks Twilio's message log whether a send already happened: an outbound message to `to` with exactly `body`,
   * created at or after `notBefore`. Twilio keeps no idempotency key or metadata on a message that its API returns
   * (the StatusCallback URL is not part of the message resource), so recipient, body and time are the only marker
   * the vendor's own records hold. The caller makes `notBefore` tight (the first attempt's start).
   */
  findSent(query: SentSmsQuery): Promise<SmsMessage | null>;
}

/** What findSent uses of the SDK's message page (its `nextPage()` is typed as the base Page). */
interface MessageLogPage {
  instances: MessageInstance[];
  nextPage(): Promise<MessageLogPage> | undefined;
}

const PAGE_SIZE = 50;
/** Messages listed before giving up on finding a match (newest first, so older ones are before `notBefore`). */
const MAX_SCANNED = 500;
/** Twilio's clock and ours differ: a message created just before our recorded start still counts. */
const CLOCK_SKEW_MS = 5_000;

export function createTwilioClient(options: TwilioClientOptions): TwilioClient {
  // autoRetry stays off (the SDK default): Temporal retries, with the delay the VendorError carries.
  const sdk = twilio(options.accountSid, options.authToken, {
    accountSid: options.accountSid,
    timeout: options.timeoutMs ?? 15_000,
  });
  // The SDK's documented base-URL override; with no region/edge set, `getHostname` leaves an IP or `localhost`
  // untouched but mangles a two-label host (vendor-facts §0).
  if (options.endpointUrl) sdk.api.baseUrl = options.endpointUrl.replace(/\/+$/, '');
  const pauseMs = options.rateLimitPauseMs ?? RATE_LIMIT_PAUSE_MS;

  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toVendorError(error, pauseMs);
    }
  };

  return {
    sendSms: (send) =>
      call(async () => {
        const message = await sdk.messages.create({
          to: send.to,
          body: send.body,
          ...(send.from ? { from: send.from } : {}),
          ...(send.messagingServiceSid ? { messagingServiceSid: send.messagingServiceSid } : {}),
          ...(send.statusCallbackUrl
            ? { statusCallback: statusCallbackUrl(send.statusCallbackUrl, send.idempotencyKey) }
            : {}),
        });
        return parseMessage(message);
      }),

    async getMessage(sid) {
      try {
        return await call(async () => parseMessage(await sdk.messages(sid).fetch()));
      } catch (error) {
        if (isVendorError(error, 'not_found')) return null;
        throw error;
      }
    },

    findSent: (query) =>
      call(async () => {
        const since = query.notBefore.getTime() - CLOCK_SKEW_MS;
        let page: MessageLogPage = await sdk.messages.page({ to: query.to, pageSize: PAGE_SIZE });
        for (let scanned = 0; scanned < MAX_SCANNED;) {
          for (const message of page.instances) {
            scanned += 1;
            // The log is newest first: once past `notBefore`, nothing older can be this send.
            if (message.dateCreated.getTime() < since) return null;
            if (message.direction === 'outbound-api' && message.body === query.body) return parseMessage(message);
          }
          const next = page.nextPage();
          if (!next) return null;
          page = await next;
        }
        return null;
      }),
  };
}
