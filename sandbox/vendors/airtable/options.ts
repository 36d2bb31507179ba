/** Factory options of the Airtable simulator; tests pass small numbers. */
export interface AirtableSimulatorOptions {
  /** Requests per second per base [DOC: 5]. */
  perBasePerSecond?: number;
  /** Requests per second per token across bases [DOC: 50]. */
  perTokenPerSecond?: number;
  /** How long every request is refused after going over a limit [DOC: 30 s]. */
  penaltyMs?: number;
  /** OAuth access-token life in seconds (UNVERIFIED: about 60 minutes). */
  accessTokenTtlSeconds?: number;
  /** Reported as `refresh_expires_in` (3P: about 60 days); not enforced. */
  refreshTokenTtlSeconds?: number;
  /** OAuth client secret; null makes the integration a public client (client_id in the body, no Basic auth). */
  oauthClientSecret?: string | null;
  /** Delays between notification-ping retries after a non-2xx or timeout (UNVERIFIED: schedule unpublished). */
  webhookRetryDelaysMs?: readonly number[];
  /** Give up on one ping after this long (UNVERIFIED). */
  webhookTimeoutMs?: number;
  /** Unknown base id: 403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND (facts §7) or 404 NOT_FOUND (UNVERIFIED which). */
  unknownBaseStatus?: 403 | 404;
  /** Unknown table: 404 NOT_FOUND, or 403 as for PAT-scoped requests (UNVERIFIED which). */
  unknownTableStatus?: 403 | 404;
}

export const DEFAULT_OPTIONS = {
  perBasePerSecond: 5,
  perTokenPerSecond: 50,
  penaltyMs: 30_000,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 60 * 86_400,
  oauthClientSecret: 'sandbox-airtable-client-secret' as string | null,
  webhookRetryDelaysMs: [10_000, 60_000, 300_000] as readonly number[],
  webhookTimeoutMs: 10_000,
  unknownBaseStatus: 403 as 403 | 404,
  unknownTableStatus: 404 as 403 | 404,
};
