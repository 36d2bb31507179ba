/** Scopes of the sandbox's full-access key; a subset of what SendGrid grants a "Full Access" key. */
export const FULL_ACCESS_SCOPES = [
  'mail.send',
  'mail.batch.read',
  'email_activity.read',
  'scopes.read',
  'user.webhooks.event.settings.read',
  'user.webhooks.event.test.create',
] as const;

/** Sandbox credentials (fake; published in `info()`). Keys follow SendGrid's `SG.<22>.<43>` shape. */
export const SANDBOX_API_KEY = 'SG.sandboxFullAccess0001.sandbox-full-access-key-for-local-tests-only0';
export const SANDBOX_RESTRICTED_API_KEY = 'SG.sandboxRestricted0001.sandbox-restricted-key-without-mail-send00';

export interface SendgridOptions {
  /** API key → scopes. Default: a full-access key and a restricted key without `mail.send` (→ 403). */
  apiKeys?: Readonly<Record<string, readonly string[]>>;
  /** Credentials for `setTwilioEmailAuth()` (HTTP Basic, full access). */
  twilioEmailAuth?: { username: string; password: string };
  /**
   * Fixed window per API key and endpoint. SendGrid publishes no number for mail/send (reportedly about 10k
   * requests/s, 3P); default 10,000 per 1 s. UNVERIFIED.
   */
  rateLimit?: { limit: number; windowMs: number };
  /** The Email Activity API's own window: "The current limit is 6 requests per minute" [DOC]. */
  activityRateLimit?: { limit: number; windowMs: number };
  /** Status of a `mail_settings.sandbox_mode.enable` send. Default 200. UNVERIFIED (from memory). */
  sandboxModeStatus?: number;
  /**
   * Verified Sender Identities: exact addresses or `@domain`. A send from anything else gets 403. Default null:
   * every sender counts as verified, since the app's sender is configured elsewhere.
   */
  verifiedSenders?: readonly string[] | null;
  /** Recipients whose mail bounces (then suppressed: later sends are dropped). Default: local part `bounce…`. */
  bounceAddresses?: RegExp;
  /** Recipients on a suppression list (dropped, "Unsubscribed Address"). Default: local part `drop…`. */
  dropAddresses?: RegExp;
  /** Recipients whose first attempt is deferred before delivery. Default: local part `defer…`. */
  deferAddresses?: RegExp;
  /** Also emit `open` (and `click` for the first link of the HTML) after delivery. Default false. */
  engagementEvents?: boolean;
  /** Events are posted every 30 s or when a batch reaches 768 KB, whichever comes first. [DOC, older page] */
  eventBatchWindowMs?: number;
  eventBatchMaxBytes?: number;
  /**
   * Delays between Event Webhook retries after a non-2xx or a timeout. SendGrid retries for up to 24 hours on an
   * unpublished schedule; the default is a compressed stand-in (10 s, 1 min, 5 min). UNVERIFIED.
   */
  webhookRetryDelaysMs?: readonly number[];
  /** How long SendGrid waits for the receiver's answer. Default 10 s. UNVERIFIED. */
  webhookTimeoutMs?: number;
  /** PKCS#8 PEM of a P-256 key to sign events with; default: a key pair generated when the simulator is made. */
  eventWebhookPrivateKeyPem?: string;
}

export type ResolvedOptions = Required<Omit<SendgridOptions, 'eventWebhookPrivateKeyPem'>> &
  Pick<SendgridOptions, 'eventWebhookPrivateKeyPem'>;

export function resolveOptions(options: SendgridOptions): ResolvedOptions {
  return {
    apiKeys: options.apiKeys ?? {
      [SANDBOX_API_KEY]: FULL_ACCESS_SCOPES,
      [SANDBOX_RESTRICTED_API_KEY]: ['scopes.read', 'stats.read'],
    },
    twilioEmailAuth: options.twilioEmailAuth ?? { username: 'sandbox-twilio-email', password: 'sandbox-password' },
    rateLimit: options.rateLimit ?? { limit: 10_000, windowMs: 1_000 },
    activityRateLimit: options.activityRateLimit ?? { limit: 6, windowMs: 60_000 },
    sandboxModeStatus: options.sandboxModeStatus ?? 200,
    verifiedSenders: options.verifiedSenders ?? null,
    bounceAddresses: options.bounceAddresses ?? /^bounce[^@]*@/i,
    dropAddresses: options.dropAddresses ?? /^drop[^@]*@/i,
    deferAddresses: options.deferAddresses ?? /^defer[^@]*@/i,
    engagementEvents: options.engagementEvents ?? false,
    eventBatchWindowMs: options.eventBatchWindowMs ?? 30_000,
    eventBatchMaxBytes: options.eventBatchMaxBytes ?? 768 * 1024,
    webhookRetryDelaysMs: options.webhookRetryDelaysMs ?? [10_000, 60_000, 300_000],
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
    eventWebhookPrivateKeyPem: options.eventWebhookPrivateKeyPem,
  };
}
