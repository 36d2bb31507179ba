import type { Context, Middleware } from 'koa';
import type { FaultRenderer } from '../../core/faults.js';

/**
 * Twilio's REST error body: `{code, message, more_info, status}` [vendor-facts §5.1/§5.2; body shape UNVERIFIED].
 * The SDK's RestException reads exactly these fields.
 */
export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function renderError(ctx: Context, status: number, code: number, message: string): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="Twilio API"');
}

export const twilioFaults: FaultRenderer = {
  serverError: (ctx) => renderError(ctx, 500, 20500, 'Internal Server Error'),
  throttled: (ctx) => renderError(ctx, 429, 20429, 'Too Many Requests'),
};

/** Handlers throw TwilioError; this renders it. Anything else is a sandbox bug and becomes Twilio's 500. */
export const twilioErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof TwilioError) return renderError(ctx, error.status, error.code, error.message);
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413 || status === 415) {
      return renderError(ctx, 400, 20001, 'Invalid request body');
    }
    console.error('[sandbox:twilio]', error);
    twilioFaults.serverError(ctx);
  }
};

export const notFound = (path: string): TwilioError =>
  new TwilioError(404, 20404, `The requested resource ${path} was not found`);
