import { isNetworkFailure, retryAfterMs, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'quickbooks';

/** Intuit asks for a 60 s pause after a 429 and sends no Retry-After (vendor-facts §2.7). */
export const THROTTLE_PAUSE_MS = 60_000;

/** The first entry of a QBO fault: `Fault.Error[]` (documented) or `fault.error[]` (the 401 seen in practice). */
export interface QboFaultInfo {
  code?: string;
  message?: string;
  detail?: string;
  type?: string;
}

type Row = Record<string, unknown>;

function isRow(value: unknown): value is Row {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/** The fault a reply body carries, in either key casing; undefined when the body is not a QBO fault. */
export function faultOf(body: unknown): QboFaultInfo | undefined {
  if (!isRow(body)) return undefined;
  const fault = body.Fault ?? body.fault;
  if (!isRow(fault)) return undefined;
  const errors = fault.Error ?? fault.error;
  const first = Array.isArray(errors) && isRow(errors[0]) ? errors[0] : {};
  return {
    code: text(first.code),
    message: text(first.Message ?? first.message),
    detail: text(first.Detail ?? first.detail),
    type: text(fault.type),
  };
}

/** Decides the kind from the HTTP status (absent for a 200 carrying a Fault) and the fault code and type. */
function kindOf(status: number | undefined, fault: QboFaultInfo | undefined): VendorErrorKind {
  const code = fault?.code;
  if (status === 429 || code === '3001') return 'rate_limited';
  if (status === 401 || code === '3200') return 'auth_expired';
  // 3100 ApplicationAuthorizationFailed: the app is no longer authorized for this company.
  if (status === 403 || code === '3100') return 'auth_revoked';
  if (code === '5010') return 'conflict';
  if (status === 404 || code === '610') return 'not_found';
  if ((status !== undefined && status >= 500) || status === 408 || fault?.type === 'SystemFault') return 'transient';
  if (fault === undefined && status === undefined) return 'transient';
  return 'validation';
}

interface AxiosLike {
  isAxiosError: true;
  code?: string;
  message: string;
  response?: { status: number; data: unknown; headers: Record<string, unknown> };
}

function isAxiosError(error: unknown): error is AxiosLike {
  return isRow(error) && error.isAxiosError === true;
}

/**
 * Every failure node-quickbooks reports, as a VendorError: an axios error for a non-2xx reply or a network
 * failure, the reply body itself for an HTTP 200 carrying a Fault, or anything else (our timeout, the SDK
 * tripping over a body that is not JSON) as transient.
 */
export function toVendorError(error: unknown): VendorError {
  if (error instanceof VendorError) return error;
  if (isAxiosError(error)) {
    const response = error.response;
    if (!response) {
      return new VendorError(VENDOR, 'transient', `network failure: ${error.message}`, {
        code: error.code,
        cause: error,
      });
    }
    return fromReply(response.status, response.data, text(response.headers['retry-after']), error);
  }
  const fault = faultOf(error);
  if (fault) return fromReply(undefined, error, undefined, error);
  const reason = isNetworkFailure(error) ? 'network failure' : 'unexpected reply';
  return new VendorError(VENDOR, 'transient', `${reason}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

function fromReply(
  status: number | undefined,
  body: unknown,
  retryAfter: string | undefined,
  cause: unknown,
): VendorError {
  const fault = faultOf(body);
  const kind = kindOf(status, fault);
  const summary = [fault?.message, fault?.detail].filter(Boolean).join(': ') || `HTTP ${status ?? 200}`;
  return new VendorError(VENDOR, kind, summary, {
    status: status ?? 200,
    code: fault?.code,
    cause,
    ...(kind === 'rate_limited' ? { retryAfterMs: retryAfterMs(retryAfter) ?? THROTTLE_PAUSE_MS } : {}),
  });
}

/** A 2xx reply whose body is not the shape we asked for (truncated JSON, HTML from a proxy): worth retrying. */
export function malformed(what: string): VendorError {
  return new VendorError(VENDOR, 'transient', `malformed reply: ${what}`);
}
