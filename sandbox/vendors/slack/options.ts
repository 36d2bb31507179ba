/**
 * Knobs of the Slack simulator. Defaults follow Slack's documentation; the ones marked UNVERIFIED are our best
 * reading where the docs are silent or disagree (see /work/shared/docs/vendor-facts.md §4), so tests can flip them.
 */
export interface TierLimits {
  /** Requests allowed per minute, per method and workspace. */
  perMinute: number;
  /** Bucket size: how many calls may burst before the per-minute refill applies (Slack: "20+ per minute"). */
  burst: number;
}

export interface SlackRateLimitOptions {
  tier1: TierLimits;
  tier2: TierLimits;
  tier3: TierLimits;
  tier4: TierLimits;
  /** chat.postMessage's special tier: about one message per second per channel, short bursts tolerated. */
  postMessagePerChannel: TierLimits;
  /** Retry-After (seconds) sent when a control-API fault throttles a call. */
  faultRetryAfterSeconds: number;
}

export interface SlackSimulatorOptions {
  /**
   * Token rotation is an opt-in app setting at Slack. The sandbox app has it ON, so OAuth access tokens expire and
   * the refresh path can be exercised; OFF gives never-expiring tokens and no refresh token, like a default app.
   */
  tokenRotation: boolean;
  /** Access-token lifetime with rotation on: 12 h at Slack. */
  accessTokenTtlSeconds: number;
  /** Authorization codes die after 10 minutes (Slack docs) and after one use. */
  codeTtlSeconds: number;
  /** UNVERIFIED: a dead refresh token gives HTTP 200 `invalid_refresh_token` (some report 400 `invalid_grant`). */
  refreshFailure: { status: number; error: string };
  /** UNVERIFIED: `POST /api/<unknown>` answers HTTP 404 `{ok:false,error:'unknown_method'}` (200 elsewhere). */
  unknownMethodStatus: number;
  rateLimits: SlackRateLimitOptions;
  /** Events API retry schedule after a failed delivery: immediately, +1 min, +5 min. */
  eventRetryDelaysMs: readonly number[];
  /** Slack's ack deadline; a slower answer counts as `http_timeout` and is retried. */
  eventAckTimeoutMs: number;
  /**
   * Slack refuses to save an Events Request URL that does not echo the `url_verification` challenge, so the
   * simulator verifies a newly configured URL before its first event and sends nothing to a URL that fails.
   */
  requireUrlVerification: boolean;
  /**
   * The app's own chat.postMessage posts come back as `message` events with `bot_id` (apps filter them out), as
   * with a `message.channels` subscription. From memory, consistent with Bolt's `ignoreSelf` middleware.
   */
  echoOwnMessages: boolean;
}

export const SLACK_DEFAULTS: SlackSimulatorOptions = {
  tokenRotation: true,
  accessTokenTtlSeconds: 43_200,
  codeTtlSeconds: 600,
  refreshFailure: { status: 200, error: 'invalid_refresh_token' },
  unknownMethodStatus: 404,
  rateLimits: {
    tier1: { perMinute: 1, burst: 1 },
    tier2: { perMinute: 20, burst: 20 },
    tier3: { perMinute: 50, burst: 50 },
    tier4: { perMinute: 100, burst: 100 },
    postMessagePerChannel: { perMinute: 60, burst: 5 },
    faultRetryAfterSeconds: 1,
  },
  eventRetryDelaysMs: [0, 60_000, 300_000],
  eventAckTimeoutMs: 3_000,
  requireUrlVerification: true,
  echoOwnMessages: true,
};

export type SlackSimulatorOverrides = Partial<Omit<SlackSimulatorOptions, 'rateLimits'>> & {
  rateLimits?: Partial<SlackRateLimitOptions>;
};

export function resolveOptions(overrides: SlackSimulatorOverrides = {}): SlackSimulatorOptions {
  return {
    ...SLACK_DEFAULTS,
    ...overrides,
    rateLimits: { ...SLACK_DEFAULTS.rateLimits, ...overrides.rateLimits },
  };
}
