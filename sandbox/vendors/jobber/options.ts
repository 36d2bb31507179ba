/**
 * Knobs of the Jobber simulator. Defaults follow Jobber's documentation (vendor-facts §1); the ones marked
 * UNVERIFIED are guesses the docs do not settle, so tests and callers can change them.
 */
export interface JobberOptions {
  /** Access-token (JWT) lifetime. Jobber: 60 minutes. */
  accessTokenTtlSeconds: number;
  /** Refresh Token Rotation app setting (ON by default). OFF returns the same token plus a `warning`. */
  rotateRefreshTokens: boolean;
  /** Redirect URIs registered for the app; empty accepts any http(s) URI. */
  redirectUris: readonly string[];
  /** Supported `X-JOBBER-GRAPHQL-VERSION` values, oldest first. */
  apiVersions: readonly string[];
  /** Versions still reachable but unsupported or about to be: version → warning text. */
  deprecatedVersions: Readonly<Record<string, string>>;
  /** Reply to a request without the version header. UNVERIFIED: the real status and body are not documented. */
  missingVersion: { status: number; body: unknown };
  /** Reply to a missing, bad or expired access token (HTTP 401). UNVERIFIED body. */
  unauthorizedBody: unknown;
  /** `client(id:)` etc. for an unknown id: `null` alone (Jobber's error-handling guide) or `null` plus errors[]. */
  notFound: 'null' | 'error';
  /** Query-cost leaky bucket: 10,000 points, 500 restored per second. */
  costBucket: { maximumAvailable: number; restoreRate: number };
  /** HTTP status of the THROTTLED reply. UNVERIFIED: the docs show only the body; 200 is GraphQL convention. */
  throttledStatus: number;
  /** Rack::Attack guard per app+account: 2,500 requests per 300 s, then HTTP 429. */
  ddosGuard: { limit: number; windowMs: number };
  /** Largest (and default) page of a connection. */
  maxPageSize: number;
  /** Webhook resend delays after a failed delivery. UNVERIFIED: Jobber publishes no schedule. */
  webhookRetryDelaysMs: readonly number[];
  /** Jobber expects an answer within 1 s. */
  webhookTimeoutMs: number;
  /** Apps created before 2023-12-08 receive the misspelled `occuredAt`. */
  legacyOccuredAt: boolean;
}

export const DEFAULT_API_VERSION = '2025-04-16';

export const DEFAULT_OPTIONS: JobberOptions = {
  accessTokenTtlSeconds: 3600,
  rotateRefreshTokens: true,
  redirectUris: [],
  apiVersions: ['2024-09-16', '2025-01-20', DEFAULT_API_VERSION],
  deprecatedVersions: {
    '2023-11-15':
      'API Version 2023-11-15 is no longer supported, and will be removed at any time without warning. ' +
      `Upgrade to the latest API version ${DEFAULT_API_VERSION} to ensure your app continues to function. ` +
      'For more information: https://developer.getjobber.com/docs/using_jobbers_api/api_versioning',
  },
  missingVersion: {
    status: 400,
    body: {
      errors: [
        {
          message: 'The X-JOBBER-GRAPHQL-VERSION header is required. Specify one of the active API versions.',
          extensions: { code: 'MISSING_API_VERSION' },
        },
      ],
    },
  },
  unauthorizedBody: { message: 'Invalid Token Error', error: 'invalid_request' },
  notFound: 'null',
  costBucket: { maximumAvailable: 10_000, restoreRate: 500 },
  throttledStatus: 200,
  ddosGuard: { limit: 2_500, windowMs: 300_000 },
  maxPageSize: 100,
  webhookRetryDelaysMs: [500, 2_000, 5_000],
  webhookTimeoutMs: 1_000,
  legacyOccuredAt: false,
};

export function resolveOptions(overrides: Partial<JobberOptions> = {}): JobberOptions {
  return { ...DEFAULT_OPTIONS, ...overrides };
}
