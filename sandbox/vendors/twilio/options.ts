import { createHash } from 'node:crypto';

/** A recipient rule: messages to numbers ending in `suffix` end in `status` with Twilio error `errorCode`. */
export interface OutcomeRule {
  suffix: string;
  status: 'failed' | 'undelivered';
  errorCode: number;
  errorMessage: string;
}

export interface TwilioSimulatorOptions {
  /** Sandbox account (`AC…`), its auth token, and an API key (`SK…`) with its secret. */
  accountSid?: string;
  authToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
  /** The account's SMS-capable numbers: the only valid `From` values (others get 21606). */
  phoneNumbers?: readonly string[];
  /** Messaging Service SIDs (`MG…`) the account owns. */
  messagingServiceSids?: readonly string[];
  /** Recipients that texted STOP before the sandbox started (sends to them get 21610). */
  unsubscribed?: readonly string[];
  /** Recipients whose messages fail; first matching rule wins. */
  outcomes?: readonly OutcomeRule[];
  /** Time between status transitions (queued → sent → delivered). UNVERIFIED: real timing varies by carrier. */
  stepDelayMs?: number;
  /** Status-callback retries when the URL has no `#rc=` override. [DOC] default 1. */
  callbackRetryCount?: number;
  /** Pause before a callback retry. UNVERIFIED (not documented). */
  callbackRetryDelayMs?: number;
  /** Give up on a callback attempt after this long unless `#rt=`/`#tt=` say otherwise. [DOC] default 15000. */
  callbackTimeoutMs?: number;
  /** Whether the `#…` connection-override fragment is part of the signed URL. UNVERIFIED: default false. */
  signUrlFragment?: boolean;
  /** REST limits per account when `settings.rateLimits` is on. UNVERIFIED numbers (Twilio: "concurrency"). */
  rateLimit?: { concurrency?: number; requestsPerSecond?: number };
  /** Seed the message log with appointment reminders sent to customers the day before each past job. */
  history?: boolean;
}

export type ResolvedOptions = Required<Omit<TwilioSimulatorOptions, 'rateLimit'>> & {
  rateLimit: { concurrency: number; requestsPerSecond: number };
};

/** Stable 32-hex-digit suffix for sandbox SIDs: the same name always gives the same SID. */
export function sidHex(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 32);
}

export function resolveOptions(options: TwilioSimulatorOptions = {}): ResolvedOptions {
  return {
    accountSid: options.accountSid ?? `AC${sidHex('sandbox-account')}`,
    authToken: options.authToken ?? sidHex('sandbox-auth-token'),
    apiKeySid: options.apiKeySid ?? `SK${sidHex('sandbox-api-key')}`,
    apiKeySecret: options.apiKeySecret ?? sidHex('sandbox-api-key-secret'),
    phoneNumbers: options.phoneNumbers ?? ['+15005550006', '+15017122661'],
    messagingServiceSids: options.messagingServiceSids ?? [`MG${sidHex('sandbox-messaging-service')}`],
    unsubscribed: options.unsubscribed ?? [],
    outcomes: options.outcomes ?? [
      {
        suffix: '0000',
        status: 'undelivered',
        errorCode: 30003,
        errorMessage: 'Unreachable destination handset',
      },
    ],
    stepDelayMs: options.stepDelayMs ?? 1000,
    callbackRetryCount: options.callbackRetryCount ?? 1,
    callbackRetryDelayMs: options.callbackRetryDelayMs ?? 1000,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 15_000,
    signUrlFragment: options.signUrlFragment ?? false,
    rateLimit: {
      concurrency: options.rateLimit?.concurrency ?? 100,
      requestsPerSecond: options.rateLimit?.requestsPerSecond ?? 100,
    },
    history: options.history ?? true,
  };
}
