import type { Context, Middleware } from 'koa';
import type { FaultRenderer } from '../../core/faults.js';

export interface ErrorItem {
  domain: string;
  reason: string;
  message: string;
  locationType?: 'header' | 'parameter' | 'other';
  location?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  410: 'FAILED_PRECONDITION',
  413: 'OUT_OF_RANGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export interface ErrorOptions extends Partial<Omit<ErrorItem, 'reason' | 'message'>> {
  /** The `status` string (`NOT_FOUND`, …) when it is not the usual one for the code. */
  status?: string;
  /** The message inside `errors[0]` when it differs from the top-level one. */
  itemMessage?: string;
}

/** A Google API error; thrown by handlers, rendered by `googleErrors()` in the `{error:{errors,code,message}}` shape. */
export class GoogleError extends Error {
  readonly item: ErrorItem;
  readonly status?: string;

  constructor(
    readonly code: number,
    reason: string,
    message: string,
    { status, itemMessage, ...extra }: ErrorOptions = {},
  ) {
    super(message);
    this.status = status;
    this.item = { domain: 'global', reason, message: itemMessage ?? message, ...extra };
  }
}

export function renderError(ctx: Context, error: GoogleError, withStatus: boolean): void {
  ctx.status = error.code;
  ctx.type = 'application/json; charset=UTF-8';
  const status = error.status ?? STATUS_NAMES[error.code];
  ctx.body = {
    error: {
      errors: [error.item],
      code: error.code,
      message: error.message,
      ...(withStatus && status ? { status } : {}),
    },
  };
}

export const notFound = (message = 'Not Found', extra: ErrorOptions = {}): GoogleError =>
  new GoogleError(404, 'notFound', message, extra);

export const invalidParameter = (name: string, message = `Invalid value for ${name}`): GoogleError =>
  new GoogleError(400, 'invalid', message, { locationType: 'parameter', location: name });

export const badRequest = (message: string, reason = 'badRequest'): GoogleError =>
  new GoogleError(400, reason, message);

/** The per-user quota breach, as 403 `userRateLimitExceeded` or 429 `rateLimitExceeded`. */
export function rateLimitError(status: 403 | 429): GoogleError {
  return status === 403
    ? new GoogleError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {
        domain: 'usageLimits',
        status: 'RESOURCE_EXHAUSTED',
      })
    : new GoogleError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', {
        domain: 'usageLimits',
        status: 'RESOURCE_EXHAUSTED',
      });
}

/** Renders thrown GoogleErrors; anything else becomes Google's 500 backendError (message hidden). */
export function googleErrors(withStatus: boolean): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound();
    } catch (error) {
      if (error instanceof GoogleError) return renderError(ctx, error, withStatus);
      const status = (error as { status?: number }).status;
      if (status === 413)
        return renderError(ctx, new GoogleError(413, 'uploadTooLarge', 'Request Too Large'), withStatus);
      if (status && status >= 400 && status < 500) {
        return renderError(ctx, badRequest((error as Error).message || 'Bad Request', 'parseError'), withStatus);
      }
      renderError(ctx, new GoogleError(500, 'backendError', 'Backend Error'), withStatus);
    }
  };
}

export function faultRenderers(options: { rateLimitStatus: 403 | 429; errorStatusField: boolean }): FaultRenderer {
  return {
    serverError: (ctx) =>
      renderError(ctx, new GoogleError(500, 'backendError', 'Backend Error'), options.errorStatusField),
    throttled: (ctx) => renderError(ctx, rateLimitError(options.rateLimitStatus), options.errorStatusField),
  };
}
