/*
 * What an API key may do. `api`: the REST API, at the key's role (all any key could do before scopes existed).
 * `webhooks:custom:<source>`: post events to `POST /api/webhooks/custom/<source>`; `webhooks:custom:*`: to any
 * source. A scope grants nothing beyond its own surface, so a key handed to a website's form backend cannot read
 * the REST API, and a script's REST key cannot inject events.
 */
export const REST_API_SCOPE = 'api';
const CUSTOM_WEBHOOK_SCOPE_PREFIX = 'webhooks:custom:';
const ANY_CUSTOM_SOURCE = '*';
const SOURCE_NAME = '[a-z0-9][a-z0-9_-]{0,62}';

/** A custom webhook source's name: lower-case, URL- and `custom:<name>`-safe, at most 63 characters. */
export const CUSTOM_SOURCE_PATTERN = `^${SOURCE_NAME}$`;
export const API_KEY_SCOPE_PATTERN = `^(${REST_API_SCOPE}|${CUSTOM_WEBHOOK_SCOPE_PREFIX}(\\*|${SOURCE_NAME}))$`;

/** What a key is given when its creator names no scopes. */
export const DEFAULT_API_KEY_SCOPES: readonly string[] = [REST_API_SCOPE];

/** Keys stored before scopes existed have none recorded; they keep what they could always do: the REST API. */
export function effectiveScopes(stored: readonly string[] | null | undefined): readonly string[] {
  return stored && stored.length > 0 ? stored : DEFAULT_API_KEY_SCOPES;
}

export function grantsRestApi(scopes: readonly string[]): boolean {
  return scopes.includes(REST_API_SCOPE);
}

export function grantsCustomWebhook(scopes: readonly string[], source: string): boolean {
  return (
    scopes.includes(`${CUSTOM_WEBHOOK_SCOPE_PREFIX}${ANY_CUSTOM_SOURCE}`) ||
    scopes.includes(`${CUSTOM_WEBHOOK_SCOPE_PREFIX}${source}`)
  );
}
