import type { UserRole } from '../db/entities/enums.js';
import type { AccessTokenClaims } from './auth/tokens.js';
import type { ValidatedInput } from './validation.js';

export type { AccessTokenClaims } from './auth/tokens.js';

/** Who is calling: a signed-in user, or an API key acting for the admin who created it. */
export interface Principal {
  readonly kind: 'user' | 'api_key';
  /** The user the request acts as (for an API key: its creator; null once that user is deleted). */
  readonly userId: string | null;
  readonly role: UserRole;
  /** Session (refresh-token family) of a user token; absent for API keys. */
  readonly sessionId?: string;
  readonly apiKeyId?: string;
}

// Koa's DefaultState is `any`; naming what the pipeline puts there types `ctx.state.*` for every handler.
declare module 'koa' {
  interface DefaultState {
    /** Set by the request-id middleware, first in the pipeline. */
    requestId: string;
    /** Set by koa-jwt when the request carried a valid access token. */
    user?: AccessTokenClaims;
    /** Set by `authenticate` on every non-public route, from an access token or an API key. */
    principal?: Principal;
    /** Set by `validate()`: body, query and params after validation (and coercion for query/params). */
    input?: ValidatedInput;
  }
}
