import { randomBytes } from 'node:crypto';
import type { Sandbox } from '../../core/sandbox.js';
import { SLACK_IDENTITY } from './identity.js';
import type { SlackSimulatorOptions } from './options.js';
import { signedHeaders } from './signing.js';
import type { SlackState } from './state.js';

interface AttemptResult {
  status: number | null;
  noRetry: boolean;
  /** Why a retry follows, in Slack's X-Slack-Retry-Reason vocabulary. */
  reason?: 'http_timeout' | 'connection_failed' | 'http_error' | 'unknown_error';
  error?: string;
  text: string;
}

/**
 * Events API transport. Not the core WebhookSender, because Slack needs three things it cannot do: re-sign every
 * attempt with a fresh X-Slack-Request-Timestamp (retries come minutes later, after a receiver's 5-minute replay
 * window), vary X-Slack-Retry-Reason with the failure, and stop when the receiver answers `X-Slack-No-Retry: 1`.
 * Attempts are still recorded in the sandbox delivery log as `webhook` entries.
 */
export class EventDelivery {
  private readonly pending = new Set<Promise<unknown>>();
  private aborter = new AbortController();
  private readonly verifying = new Map<string, Promise<boolean>>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly state: SlackState,
    private readonly options: SlackSimulatorOptions,
  ) {}

  /**
   * Sends one event callback (verifying the URL first if needed). Resolves after the first attempt; retries go on
   * in the background (see `drain`).
   */
  async send(event: Record<string, unknown>): Promise<void> {
    let firstDone!: () => void;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    const whole = this.verifyThenDeliver(event, firstDone);
    this.track(whole);
    await Promise.race([first, whole]);
  }

  private async verifyThenDeliver(event: Record<string, unknown>, firstDone: () => void): Promise<void> {
    const url = this.sandbox.settings.webhookUrls.slack;
    if (!url) return;
    if (this.options.requireUrlVerification && !(await this.ensureVerified(url))) return;
    const eventId = this.state.nextEventId();
    const body = JSON.stringify(envelope(event, eventId));
    await this.deliverWithRetries(url, body, eventId, String(event.type), firstDone);
  }

  /** One verification at a time per URL, however many events are waiting for it. */
  private ensureVerified(url: string): Promise<boolean> {
    if (this.state.verifiedUrls.has(url)) return Promise.resolve(true);
    let running = this.verifying.get(url);
    if (!running) {
      running = this.verifyUrl(url).finally(() => this.verifying.delete(url));
      this.verifying.set(url, running);
    }
    return running;
  }

  /**
   * Slack's check when a Request URL is saved: a signed `url_verification` whose `challenge` the receiver must
   * echo (plain text, form or JSON `{challenge}`) with a 200.
   */
  async verifyUrl(url: string): Promise<boolean> {
    const challenge = randomBytes(24).toString('base64url');
    const body = JSON.stringify({ token: SLACK_IDENTITY.verificationToken, challenge, type: 'url_verification' });
    const result = await this.attempt(url, body, {});
    const verified = result.status === 200 && result.text.includes(challenge);
    if (verified) this.state.verifiedUrls.add(url);
    this.sandbox.deliveries.record('slack', 'webhook', {
      url,
      type: 'url_verification',
      attempt: 1,
      status: result.status,
      verified,
      ...(result.error ? { error: result.error } : {}),
      body,
    });
    return verified;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Drops scheduled retries (the world they describe is gone). */
  reset(): void {
    this.aborter.abort();
    this.aborter = new AbortController();
  }

  private track(run: Promise<unknown>): void {
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async deliverWithRetries(
    url: string,
    body: string,
    eventId: string,
    eventType: string,
    firstDone: () => void,
  ): Promise<void> {
    const signal = this.aborter.signal;
    const delays = this.options.eventRetryDelaysMs;
    let reason: AttemptResult['reason'];
    for (let retry = 0; retry <= delays.length; retry += 1) {
      if (retry > 0) {
        if (!(await sleep(delays[retry - 1] ?? 0, signal))) return;
      }
      const retryHeaders: Record<string, string> =
        retry > 0 ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': reason ?? 'unknown_error' } : {};
      const result = await this.attempt(url, body, retryHeaders);
      this.sandbox.deliveries.record('slack', 'webhook', {
        url,
        type: 'event_callback',
        eventId,
        eventType,
        attempt: retry + 1,
        retryNum: retry,
        status: result.status,
        ...(result.error ? { error: result.error } : {}),
        body: body.length > 2000 ? `${body.slice(0, 2000)}…` : body,
      });
      if (retry === 0) firstDone();
      if (result.status !== null && result.status >= 200 && result.status < 300) return;
      if (result.noRetry) return;
      reason = result.reason;
    }
  }

  private async attempt(url: string, body: string, extra: Record<string, string>): Promise<AttemptResult> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...signedHeaders(SLACK_IDENTITY.signingSecret, body), ...extra },
        body,
        signal: AbortSignal.timeout(this.options.eventAckTimeoutMs),
      });
      const text = await response.text();
      const ok = response.status >= 200 && response.status < 300;
      return {
        status: response.status,
        noRetry: response.headers.get('x-slack-no-retry') === '1',
        text,
        ...(ok ? {} : { reason: 'http_error' as const }),
      };
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      const reason =
        err.name === 'TimeoutError'
          ? 'http_timeout'
          : err.cause?.code === 'ECONNREFUSED'
            ? 'connection_failed'
            : 'unknown_error';
      return { status: null, noRetry: false, reason, error: err.message, text: '' };
    }
  }
}

/** Resolves true after `ms`, or false at once if the signal aborts; never keeps the process alive. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The Events API wrapper around an event (`event_callback`), as installed in the sandbox workspace. */
function envelope(event: Record<string, unknown>, eventId: string, now = Date.now()): Record<string, unknown> {
  const authorization = {
    enterprise_id: null,
    team_id: SLACK_IDENTITY.teamId,
    user_id: SLACK_IDENTITY.botUserId,
    is_bot: true,
    is_enterprise_install: false,
  };
  const context = Buffer.from(JSON.stringify({ ...authorization, app_id: SLACK_IDENTITY.appId })).toString('base64url');
  return {
    token: SLACK_IDENTITY.verificationToken,
    team_id: SLACK_IDENTITY.teamId,
    context_team_id: SLACK_IDENTITY.teamId,
    context_enterprise_id: null,
    api_app_id: SLACK_IDENTITY.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(now / 1000),
    authorizations: [authorization],
    is_ext_shared_channel: false,
    event_context: `4-${context}`,
  };
}
