/** Factory options of the QuickBooks Online simulator; every default is the documented production value. */
export interface QuickbooksOptions {
  /** Company id (QBO "realmId") the sandbox's grant is for. */
  realmId: string;
  clientId: string;
  clientSecret: string;
  /** Webhook verifier token from the developer portal (not the client secret): the HMAC key of `intuit-signature`. */
  webhookVerifierToken: string;
  /** Access-token life in seconds (1 h). */
  accessTokenTtlSeconds: number;
  /** `x_refresh_token_expires_in` in token replies (100 days, rolling). Reported, not enforced. */
  refreshTokenTtlSeconds: number;
  /**
   * Intuit may hand back a new refresh token on any refresh (in practice about daily). true: every refresh
   * rotates and the old one dies; false: the same refresh token comes back.
   */
  rotateRefreshTokenOnEveryRefresh: boolean;
  /**
   * Key casing of the 401 body for an expired or unknown token. UNVERIFIED: a real sandbox probe showed
   * lower-case `fault.error[]`; most fakes use `Fault.Error[]`.
   */
  authFaultCasing: 'lower' | 'capital';
  /** Requests per realm per `rateWindowMs` (500/min). */
  requestsPerMinute: number;
  rateWindowMs: number;
  /** Requests in flight at once per realm (10). UNVERIFIED: the current limits page says 10 per second. */
  concurrentRequests: number;
  /** Query page size maximum (1000); larger `maxresults` are capped. Capping rather than failing is UNVERIFIED. */
  maxQueryResults: number;
  /** CDC look-back limit in days (30) and objects per CDC response (1000, shared by all entities). */
  cdcLookbackDays: number;
  cdcMaxObjects: number;
  /** Webhook payload: the legacy `eventNotifications` form, or the CloudEvents array Intuit is migrating to. */
  webhookFormat: 'legacy' | 'cloudevents';
  /** Retry schedule after a failed webhook delivery: 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h. */
  webhookRetryDelaysMs: readonly number[];
  /** Intuit expects an HTTP 200 within 3 s. */
  webhookTimeoutMs: number;
  /** Real QBO notifies about changes made through the API too; set false to notify only control-API changes. */
  webhooksForApiWrites: boolean;
}

const MINUTE = 60_000;

export const QUICKBOOKS_DEFAULTS: QuickbooksOptions = {
  realmId: '9341453108654329',
  clientId: 'ABsandboxQuickbooksClientId0000000000000000000000',
  clientSecret: 'sandbox-quickbooks-client-secret-000000000',
  webhookVerifierToken: 'sandbox-quickbooks-verifier-token',
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 8_726_400,
  rotateRefreshTokenOnEveryRefresh: true,
  authFaultCasing: 'lower',
  requestsPerMinute: 500,
  rateWindowMs: MINUTE,
  concurrentRequests: 10,
  maxQueryResults: 1000,
  cdcLookbackDays: 30,
  cdcMaxObjects: 1000,
  webhookFormat: 'legacy',
  webhookRetryDelaysMs: [10_000, 20_000, 30_000, 5 * MINUTE, 20 * MINUTE, 120 * MINUTE, 240 * MINUTE, 360 * MINUTE],
  webhookTimeoutMs: 3000,
  webhooksForApiWrites: true,
};
