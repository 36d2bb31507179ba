import type { Context, Middleware } from 'koa';

/** One entry of SendGrid's v3 error body `{ errors: [{ message, field, help }] }`; field and help may be null. */
export interface FieldError {
  message: string;
  field: string | null;
  help?: string | null;
}

/** Thrown by handlers and middleware; rendered by `renderErrors` in SendGrid's error shape. */
export class SendgridError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
  }
}

export function renderBody(ctx: Context, status: number, errors: FieldError[]): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { errors };
}

/** Message texts from memory of real responses; only `too many requests` is [DOC]. */
export const MESSAGES = {
  authorizationRequired: 'authorization required',
  badKey: 'The provided authorization grant is invalid, expired, or revoked',
  forbidden: 'access forbidden',
  tooManyRequests: 'too many requests',
  badRequest: 'Bad Request',
  notFound: 'resource not found',
  methodNotAllowed: 'method not allowed',
  internal: 'internal error',
} as const;

/** Renders thrown errors; anything unexpected becomes SendGrid's 500 without leaking the message. */
export const renderErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof SendgridError)) {
      console.error('sendgrid simulator: unexpected error', error);
      renderBody(ctx, 500, [{ field: null, message: MESSAGES.internal }]);
      return;
    }
    ctx.set(error.headers);
    renderBody(ctx, error.status, error.errors);
  }
};
