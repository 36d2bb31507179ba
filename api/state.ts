import type { ValidatedInput } from './validation.js';

/** Claims the gateway relies on in an access token; the auth routes may add more. */
export interface AccessTokenClaims {
  sub: string;
  iss: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  /** When present it must be 'access': a refresh token is never accepted as a bearer token. */
  typ?: string;
  [claim: string]: unknown;
}

// Koa's DefaultState is `any`; naming what the pipeline puts there types `ctx.state.*` for every handler.
declare module 'koa' {
  interface DefaultState {
    /** Set by the request-id middleware, first in the pipeline. */
    requestId: string;
    /** Set by koa-jwt on every non-public route. */
    user?: AccessTokenClaims;
    /** Set by `validate()`: body, query and params after validation (and coercion for query/params). */
    input?: ValidatedInput;
  }
}
