/** A fixed-window budget: `limit` units per `windowMs`, counted per user. */
export interface Budget {
  limit: number;
  windowMs: number;
}

export interface GoogleSimulatorOptions {
  /** OAuth client the sandbox accepts. */
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs accepted by the authorize and code-exchange steps; empty accepts any http(s) URI. */
  redirectUris?: readonly string[];
  /** The one mailbox and calendar owner of the sandbox. */
  userEmail?: string;
  /** Access-token lifetime in seconds (Google: about 3600). */
  accessTokenTtlSeconds?: number;
  /** Time zone of the primary calendar (events are rendered in UTC either way). */
  calendarTimeZone?: string;
  /**
   * Per-user quotas, enforced only while `sandbox.settings.rateLimits` is true. Gmail counts quota units (send
   * 100, list/get 5, history 2, other 1); Calendar and Drive count requests. Defaults: Gmail 15,000 units/min
   * [DOC, in flux], Drive 12,000 requests/min [DOC, older page], Calendar 600 requests/min (UNVERIFIED).
   */
  rateLimits?: Partial<Record<GoogleApi, Budget>>;
  /**
   * How a per-user quota breach is answered: 403 `usageLimits/userRateLimitExceeded` (what Calendar, Gmail and
   * Drive document) or 429 `rateLimitExceeded` (the "extra backend checks" case). Default 403.
   */
  rateLimitStatus?: 403 | 429;
  /** Add `status` ("UNAUTHENTICATED", "NOT_FOUND", …) to error bodies; UNVERIFIED for Calendar, so off by default. */
  errorStatusField?: boolean;
  /** Largest accepted upload body, in bytes. */
  maxUploadBytes?: number;
}

export type GoogleApi = 'calendar' | 'gmail' | 'drive';

export type ResolvedOptions = Required<Omit<GoogleSimulatorOptions, 'rateLimits'>> & {
  rateLimits: Record<GoogleApi, Budget>;
};

const MINUTE = 60_000;

export function resolveOptions(options: GoogleSimulatorOptions = {}): ResolvedOptions {
  return {
    clientId: options.clientId ?? 'sandbox-client-id.apps.googleusercontent.com',
    clientSecret: options.clientSecret ?? 'GOCSPX-sandbox-client-secret',
    redirectUris: options.redirectUris ?? [],
    userEmail: options.userEmail ?? 'office@sandbox-business.example',
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3599,
    calendarTimeZone: options.calendarTimeZone ?? 'UTC',
    rateLimits: {
      calendar: options.rateLimits?.calendar ?? { limit: 600, windowMs: MINUTE },
      gmail: options.rateLimits?.gmail ?? { limit: 15_000, windowMs: MINUTE },
      drive: options.rateLimits?.drive ?? { limit: 12_000, windowMs: MINUTE },
    },
    rateLimitStatus: options.rateLimitStatus ?? 403,
    errorStatusField: options.errorStatusField ?? false,
    maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
  };
}
