import { STATUS_CODES } from 'node:http';

/**
 * Errors a handler throws instead of responding (house style: "throw, don't respond"). The error handler
 * renders every one of them as `{ error: { code, message, details?, requestId } }`.
 */
export class AppError extends Error {
  /** Koa's convention: only the messages of client errors are shown to the client. */
  readonly expose: boolean;
  /** Extra response headers (Retry-After, Allow, …) the error handler applies. */
  headers?: Record<string, string>;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.expose = status < 500;
  }
}

/** What a client sees in place of the message of any 5xx. */
export const GENERIC_SERVER_MESSAGE = 'Internal server error';

/** The response body of every error: one shape for the whole API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

/**
 * Codes for errors raised by libraries (koa-jwt, co-body, the router, `ctx.throw`), which
 * carry an HTTP status but no code of ours.
 */
const codeByStatus: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  501: 'method_unsupported',
  503: 'service_unavailable',
};

/** Library messages we would rather not pass on verbatim (they name internals or read oddly). */
const messageByCode: Readonly<Record<string, string>> = {
  unauthorized: 'Missing or invalid access token',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
};

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
  headers?: unknown;
}

export interface NormalizedError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers: Record<string, string>;
  /** True when the status is 5xx: the real cause goes to the log, not to the client. */
  internal: boolean;
}

function statusOf(error: HttpLikeError): number {
  const raw = typeof error.status === 'number' ? error.status : error.statusCode;
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 400 && raw <= 599 ? raw : 500;
}

function headersOf(error: HttpLikeError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.headers && typeof error.headers === 'object') {
    for (const [name, value] of Object.entries(error.headers as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value);
    }
  }
  return headers;
}

/** Turns anything thrown into what the error handler renders. */
export function normalizeError(thrown: unknown): NormalizedError {
  const error: HttpLikeError = thrown !== null && typeof thrown === 'object' ? (thrown as HttpLikeError) : {};
  const isAppError = thrown instanceof AppError;
  const status = isAppError ? thrown.status : statusOf(error);
  const internal = status >= 500;
  const code = isAppError ? thrown.code : (codeByStatus[status] ?? (internal ? 'internal_error' : 'bad_request'));
  const headers = headersOf(error);
  if (internal) return { status, code, message: GENERIC_SERVER_MESSAGE, headers, internal };
  if (isAppError) {
    const details = thrown.details;
    return { status, code, message: thrown.message, ...(details !== undefined ? { details } : {}), headers, internal };
  }
  // A library's message is shown only when the library marked it safe (http-errors sets `expose` on 4xx).
  const exposed = error.expose === true && typeof error.message === 'string' && error.message !== '';
  const message = messageByCode[code] ?? (exposed ? String(error.message) : (STATUS_CODES[status] ?? 'Bad request'));
  return { status, code, message, headers, internal };
}
