import type { Context, Middleware } from 'koa';
import type { FaultRenderer } from '../../core/faults.js';
import { qboTime } from './format.js';

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AuthenticationFault' | 'AuthorizationFault' | 'SERVICE';

/** A QBO error reply: `{"Fault":{"Error":[{Message, Detail, code, element}],"type"},"time"}` (capital F and E). */
export class QboFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string,
    readonly type: FaultType = 'ValidationFault',
    readonly element = '',
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return faultBody(this.code, this.message, this.detail, this.type, this.element);
  }
}

export function faultBody(code: string, message: string, detail: string, type: FaultType, element = '') {
  return { Fault: { Error: [{ Message: message, Detail: detail, code, element }], type }, time: qboTime() };
}

/** The fixed faults the simulator uses; codes from Intuit's error-code list (vendor-facts §2.6). */
export const faults = {
  notFound: (entity: string, id: string) =>
    new QboFault(
      400,
      '610',
      'Object Not Found',
      `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${entity} ${id})`,
    ),
  stale: () =>
    new QboFault(
      400,
      '5010',
      'Stale Object Error',
      'Stale Object Error : You and sandbox@intuit.com were working on this at the same time. sandbox@intuit.com finished before you did, so your work was not saved.',
    ),
  duplicateName: (name: string) =>
    new QboFault(
      400,
      '6240',
      'Duplicate Name Exists Error',
      `The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name. (${name})`,
    ),
  required: (field: string) =>
    new QboFault(
      400,
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${field} is missing in the request`,
    ),
  invalidReference: (what: string) =>
    new QboFault(400, '2500', 'Invalid Reference Id', `Invalid Reference Id : ${what}`),
  invalidRequest: (detail: string) => new QboFault(400, '2010', 'Request has invalid or unsupported property', detail),
  queryParse: (detail: string) => new QboFault(400, '4000', 'Error parsing query', `QueryParserError: ${detail}`),
  queryInvalid: (detail: string) => new QboFault(400, '4001', 'Invalid query', `QueryValidationError: ${detail}`),
  wrongRealm: () =>
    new QboFault(
      403,
      '3100',
      'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
      'The token is not authorized for this company (realmId).',
      'AuthorizationFault',
    ),
  throttled: () =>
    new QboFault(
      429,
      '3001',
      'message=ThrottleExceeded; errorCode=003001; statusCode=429',
      'The request limit was reached.  Try again later',
      'SERVICE',
    ),
  system: () =>
    new QboFault(
      500,
      '10000',
      'An application error has occurred while processing your request',
      'System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.',
      'SystemFault',
    ),
};

export function sendFault(ctx: Context, fault: QboFault): void {
  ctx.status = fault.status;
  ctx.type = 'application/json';
  ctx.body = fault.body();
}

/** Renders the sandbox fault rules (control API) in QBO's own shapes. */
export const faultRenderer: FaultRenderer = {
  serverError: (ctx) => sendFault(ctx, faults.system()),
  throttled: (ctx) => sendFault(ctx, faults.throttled()),
};

/** Turns a thrown QboFault into its reply; anything else becomes QBO's generic SystemFault. */
export const renderFaults: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof QboFault) return sendFault(ctx, error);
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413 || status === 415) {
      return sendFault(ctx, faults.invalidRequest((error as Error).message));
    }
    // A client that went away mid-request (aborted body) is not a simulator error worth logging.
    if (!ctx.req.destroyed) ctx.app.emit('error', error, ctx);
    sendFault(ctx, faults.system());
  }
};
