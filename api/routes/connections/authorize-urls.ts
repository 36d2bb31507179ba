import type { OAuthApp, OAuthVendor } from '../../../config/oauth-apps.js';
import { createAirtableOAuth } from '../../../integrations/airtable/oauth.js';
import { googleOAuth } from '../../../integrations/google/oauth.js';
import { createJobberOAuth } from '../../../integrations/jobber/oauth.js';
import { createQuickbooksOAuth } from '../../../integrations/quickbooks/oauth.js';

/** What Airtable's consent screen asks for: read and write records, read the schema, manage webhooks. */
const AIRTABLE_SCOPES = ['data.records:read', 'data.records:write', 'schema.bases:read', 'webhook:manage'];

export interface AuthorizeTarget {
  url: string;
  /** Airtable (PKCE): the verifier to keep with the state until the callback. */
  codeVerifier?: string;
}

/**
 * The vendor's consent URL, built by the vendor's own OAuth module. Only its pure URL builders are used here:
 * the API never calls a vendor (the code exchange runs in a workflow).
 */
export function authorizeTarget(
  vendor: OAuthVendor,
  app: OAuthApp,
  state: string,
  airtableBaseId: string | undefined,
): AuthorizeTarget {
  const { clientId, clientSecret, redirectUri } = app;
  switch (vendor) {
    case 'jobber':
      return {
        url: createJobberOAuth({
          clientId,
          clientSecret,
          ...(app.authorizeUrl ? { authorizeUrl: app.authorizeUrl } : {}),
        }).authorizeUrl({ redirectUri, state }),
      };
    case 'quickbooks':
      return {
        url: createQuickbooksOAuth({
          clientId,
          clientSecret,
          ...(app.authorizeUrl ? { authorizeUrl: app.authorizeUrl } : {}),
        }).authorizeUrl({ redirectUri, state }),
      };
    case 'google':
      return {
        url: googleOAuth({
          clientId,
          clientSecret,
          ...(app.authorizeUrl ? { authorizeEndpoint: app.authorizeUrl } : {}),
        }).authorizeUrl({ redirectUri, state }),
      };
    case 'airtable': {
      const { url, codeVerifier } = createAirtableOAuth({
        clientId,
        clientSecret: clientSecret || null,
        baseId: airtableBaseId ?? '',
        ...(app.authorizeUrl ? { authorizeUrl: app.authorizeUrl } : {}),
      }).authorizeUrl({ redirectUri, state, scopes: AIRTABLE_SCOPES });
      return { url, codeVerifier };
    }
  }
}
