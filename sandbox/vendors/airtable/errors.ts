import type { Context, Middleware } from 'koa';
import type { FaultRenderer } from '../../core/faults.js';

/**
 * An Airtable API error: rendered as `{"error":{"type","message"}}`, the shape airtable.js reads
 * (`Base._checkStatusForError` takes `error.type` and `error.message`).
 */
export class AirtableApiError extends Error {
  readonly expose = true;

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const authenticationRequired = () =>
  new AirtableApiError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required');

export const invalidPermissions = () =>
  new AirtableApiError(
    403,
    'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND',
    'Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.',
  );

export const unprocessable = (type: string, message: string) => new AirtableApiError(422, type, message);

/** Generic parameter-validation failure (pageSize out of range, bad maxRecords, …). */
export const invalidRequest = () =>
  unprocessable('INVALID_REQUEST_UNKNOWN', 'Invalid request: parameter validation failed. Check your request data.');

/** 429 body from vendor-facts §7 (UNVERIFIED there); airtable.js ignores the body of a 429. */
export const RATE_LIMIT_BODY = {
  errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }],
};

export function renderThrottled(ctx: Context): void {
  ctx.status = 429;
  ctx.body = RATE_LIMIT_BODY;
}

export const faultRenderers: FaultRenderer = {
  serverError(ctx) {
    ctx.status = 500;
    ctx.body = { error: { type: 'SERVER_ERROR', message: 'Server error' } };
  },
  throttled: renderThrottled,
};

/** Renders thrown errors the Airtable way; anything unexpected becomes a 500 without details. */
export const errorMiddleware: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof AirtableApiError) {
      ctx.status = error.status;
      ctx.body = { error: { type: error.type, message: error.message } };
      return;
    }
    const status = (error as { status?: number }).status ?? 500;
    if (status < 500) {
      // A body that is not valid JSON (bodyparser) and other client errors.
      ctx.status = 422;
      ctx.body = { error: { type: 'INVALID_REQUEST_BODY', message: 'Could not parse request body' } };
      return;
    }
    ctx.status = 500;
    ctx.body = { error: { type: 'SERVER_ERROR', message: 'Server error' } };
  }
};
