import { isNetworkFailure, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'sendgrid';

/** Used when a 429 carries no readable X-RateLimit-Reset. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;

/** What @sendgrid/client rejects with on a 4xx/5xx: `ResponseError { code: status, response: { headers, body } }`. */
interface SdkResponseError {
  code: number;
  message: string;
  response: { headers: Record<string, unknown>; body: unknown };
}

function isResponseError(error: unknown): error is SdkResponseError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as SdkResponseError).code === 'number' &&
    typeof (error as SdkResponseError).response === 'object' &&
    (error as SdkResponseError).response !== null
  );
}

function kindOf(status: number): VendorErrorKind {
  if (status === 429) return 'rate_limited';
  // API keys do not expire: 401 is a deleted or wrong key; 403 a key without `mail.send` or an unverified sender
  // identity, both fixed only by a person.
  if (status === 401 || status === 403) return 'auth_revoked';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'transient';
  // 400 (bad address, missing content, …) and 413 (payload over 30 MB): sending it again cannot help.
  return 'validation';
}

/** SendGrid's v3 error body `{ errors: [{ message, field, help }] }`, flattened for the error message. */
function describe(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((entry: { message?: unknown; field?: unknown }) =>
      entry.field ? `${String(entry.field)}: ${String(entry.message)}` : String(entry.message),
    )
    .join('; ');
}

/** X-RateLimit-Reset is the window's end in unix seconds [vendor-facts §6]. */
function resetDelayMs(headers: Record<string, unknown>, now: number): number | undefined {
  const reset = Number(headers['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/** Maps whatever @sendgrid/client threw (ResponseError, axios network errors) to a VendorError. */
export function toVendorError(error: unknown, now = Date.now()): VendorError {
  if (error instanceof VendorError) return error;
  if (isResponseError(error)) {
    const status = error.code;
    const kind = kindOf(status);
    return new VendorError(VENDOR, kind, `${status}: ${describe(error.response.body) || error.message}`, {
      status,
      ...(kind === 'rate_limited'
        ? { retryAfterMs: resetDelayMs(error.response.headers, now) ?? DEFAULT_RATE_LIMIT_PAUSE_MS }
        : {}),
      cause: error,
    });
  }
  if (isNetworkFailure(error)) {
    return new VendorError(VENDOR, 'transient', `network failure: ${String(error)}`, { cause: error });
  }
  return new VendorError(VENDOR, 'transient', `unexpected failure: ${String(error)}`, { cause: error });
}
