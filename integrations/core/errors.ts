/*
 * How a vendor call failed, decided once in the vendor's client (the house rule: clients decide retryability,
 * activities only translate). Activities map these to Temporal: RateLimited → retry after `retryAfterMs`
 * (`nextRetryDelay`), Transient → backoff, AuthExpired → refresh and retry, the rest → non-retryable.
 */
export type VendorErrorKind =
  | 'rate_limited'
  | 'transient'
  | 'auth_expired'
  | 'auth_revoked'
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'resync_required';

export class VendorError extends Error {
  constructor(
    readonly vendor: string,
    readonly kind: VendorErrorKind,
    message: string,
    readonly details: {
      /** HTTP status, when there was a response. */
      status?: number;
      /** How long the vendor asked us to wait (Retry-After, Jobber's cost restore time, Airtable's penalty). */
      retryAfterMs?: number;
      /** The vendor's own error code (QuickBooks 5010, Twilio 20429, Slack `ratelimited`, …). */
      code?: string;
      cause?: unknown;
    } = {},
  ) {
    super(`${vendor}: ${message}`);
    this.name = 'VendorError';
  }

  /** Worth trying again (after `retryAfterMs` when given): throttling, 5xx, network, timeouts. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'transient' || this.kind === 'auth_expired';
  }
}

export function isVendorError(error: unknown, kind?: VendorErrorKind): error is VendorError {
  return error instanceof VendorError && (kind === undefined || error.kind === kind);
}

/** Network-level failures (connection refused or reset, DNS, timeouts): always transient. */
export function isNetworkFailure(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ??
    (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const name = (error as { name?: unknown } | null)?.name;
  return (
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    (typeof code === 'string' &&
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'EPIPE',
        'ENOTFOUND',
        'EAI_AGAIN',
        'ECONNABORTED',
        'UND_ERR_SOCKET',
        'UND_ERR_CONNECT_TIMEOUT',
        'UND_ERR_HEADERS_TIMEOUT',
      ].includes(code))
  );
}

/** Retry-After in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
