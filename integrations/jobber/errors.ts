import { ClientError } from 'graphql-request';
import { isNetworkFailure, isVendorError, retryAfterMs, VendorError, type VendorErrorKind } from '../core/errors.js';

export const VENDOR = 'jobber';

/** Jobber's `extensions.cost` (vendor-facts §1.4). */
export interface JobberCost {
  requestedQueryCost?: number;
  actualQueryCost?: number;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
}

interface GraphqlErrorLike {
  message?: string;
  extensions?: { code?: unknown };
}

export interface ErrorMappingOptions {
  /**
   * Wait after Rack::Attack's plain-text HTTP 429 (Jobber's request-count guard), which carries no Retry-After.
   * The guard counts 2,500 requests per 300 s; 30 s is our choice, not Jobber's.
   */
  ddosRetryAfterMs: number;
}

/** The bucket refills in whole points per second, so never ask for less than one second. */
const MIN_THROTTLE_WAIT_MS = 1_000;

/**
 * Jobber's own signal: the points missing for the refused query, refilled at `restoreRate` points per second
 * (https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits).
 */
export function throttleWaitMs(cost: JobberCost | undefined): number {
  const requested = cost?.requestedQueryCost ?? 0;
  const available = cost?.throttleStatus?.currentlyAvailable ?? 0;
  const restoreRate = cost?.throttleStatus?.restoreRate ?? 0;
  if (!(restoreRate > 0)) return MIN_THROTTLE_WAIT_MS;
  const seconds = Math.ceil((requested - available) / restoreRate);
  return Math.max(MIN_THROTTLE_WAIT_MS, seconds * 1000);
}

export function vendorError(kind: VendorErrorKind, message: string, details: VendorError['details'] = {}) {
  return new VendorError(VENDOR, kind, message, details);
}

/** One of a mutation's `userErrors`: Jobber's message and the input path it is about. */
export interface JobberUserError {
  message: string;
  /** e.g. `["attributes", "lineItems", "0", "name"]`. */
  path: string[];
}

/**
 * A mutation Jobber refused with `userErrors` (HTTP 200, nothing created): a `validation` VendorError that keeps
 * Jobber's own messages and paths, so the API can show them (422) instead of our summary.
 */
export class JobberUserErrors extends VendorError {
  constructor(
    operation: string,
    readonly userErrors: JobberUserError[],
  ) {
    const summary = userErrors.map((error) => `${error.path.join('.')}: ${error.message}`).join('; ');
    super(VENDOR, 'validation', `${operation}: ${summary}`, { code: 'USER_ERRORS', cause: userErrors });
    this.name = 'JobberUserErrors';
  }
}

/** Jobber's userErrors behind a failed mutation; empty for any other failure. */
export function vendorUserErrors(error: unknown): JobberUserError[] {
  return error instanceof JobberUserErrors ? error.userErrors : [];
}

/** The `userErrors` list of a mutation payload, as we type it (Jobber's path is `[String!]!`). */
export function parseUserErrors(value: unknown): JobberUserError[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry: { message?: unknown; path?: unknown }) => ({
    message: typeof entry?.message === 'string' ? entry.message : String(entry?.message),
    path: Array.isArray(entry?.path) ? entry.path.map(String) : [],
  }));
}

function kindForStatus(status: number): VendorErrorKind {
  if (status === 401) return 'auth_expired';
  // A 403 means the grant lost access (app disconnected, permission removed): reconnecting is the only fix.
  if (status === 403) return 'auth_revoked';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'validation';
}

/** GraphQL `errors[]` on a 2xx reply, by `extensions.code`; anything unknown is a bad request of ours. */
function kindForCode(code: string | undefined): VendorErrorKind {
  switch (code) {
    case 'THROTTLED':
      return 'rate_limited';
    case 'NOT_FOUND':
      return 'not_found';
    case 'UNAUTHENTICATED':
      return 'auth_expired';
    case 'INTERNAL_SERVER_ERROR':
    case 'SERVICE_UNAVAILABLE':
    case 'TIMEOUT':
      return 'transient';
    default:
      return 'validation';
  }
}

function fromClientError(error: ClientError, options: ErrorMappingOptions): VendorError {
  const { status } = error.response;
  const errors = (error.response.errors ?? []) as GraphqlErrorLike[];
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const message = first?.message ?? `HTTP ${status}`;
  if (status >= 200 && status < 300) {
    const kind = kindForCode(code);
    const retryAfter =
      kind === 'rate_limited' ? throttleWaitMs((error.response.extensions as { cost?: JobberCost })?.cost) : undefined;
    return vendorError(kind, message, { status, code, cause: error, retryAfterMs: retryAfter });
  }
  const kind = kindForStatus(status);
  let retryAfter: number | undefined;
  if (kind === 'rate_limited') {
    retryAfter = retryAfterMs(error.response.headers?.get('retry-after')) ?? options.ddosRetryAfterMs;
  }
  return vendorError(kind, message, { status, code, cause: error, retryAfterMs: retryAfter });
}

/** Any failure of a Jobber call, as the one `VendorError` the activities act on. */
export function toVendorError(error: unknown, options: ErrorMappingOptions): VendorError {
  if (isVendorError(error)) return error;
  if (error instanceof ClientError) return fromClientError(error, options);
  if (isNetworkFailure(error)) return vendorError('transient', `network failure: ${String(error)}`, { cause: error });
  // graphql-request throws a SyntaxError (or "Invalid execution result") for a 2xx body that is not GraphQL JSON.
  return vendorError('transient', `unreadable reply: ${String(error)}`, { cause: error });
}
