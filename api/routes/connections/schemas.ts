import { CONNECTION_STATUSES, VENDORS } from '../../../db/entities/enums.js';
import { OAUTH_VENDORS, type OAuthVendor } from '../../../config/oauth-apps.js';
import { pageQueryProperties } from '../../pagination.js';
import { emptyQuery, type ObjectSchema } from '../../validation.js';

/** Vendors that hand out long-lived tokens an admin can paste: Airtable personal access tokens, Slack bot tokens, Twilio and SendGrid API keys. */
export const PERSONAL_TOKEN_VENDORS = ['airtable', 'slack', 'twilio', 'sendgrid'] as const;
export type PersonalTokenVendor = (typeof PERSONAL_TOKEN_VENDORS)[number];

const displayName = { type: 'string', minLength: 1, maxLength: 100 } as const;
const httpUrl = { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 500 } as const;
const callbackValue = { type: 'string', minLength: 1, maxLength: 2000 } as const;

export const connectionIdParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const oauthVendorParams = {
  type: 'object',
  properties: { vendor: { type: 'string', enum: OAUTH_VENDORS } },
  required: ['vendor'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export { emptyQuery };

export const listConnectionsQuery = {
  type: 'object',
  properties: {
    vendor: { type: 'string', enum: VENDORS },
    status: { type: 'string', enum: CONNECTION_STATUSES },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** Airtable grants a user, not an account, so the base to sync is chosen here; other vendors take no body. */
export const authorizeBody = {
  type: 'object',
  properties: {
    baseId: { type: 'string', pattern: '^app[A-Za-z0-9]{14}$' },
    baseName: displayName,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

/**
 * What vendors put on the redirect: `code` and `state`, QuickBooks' `realmId`, Google's `scope` (and `authuser`,
 * `hd`, `prompt`), RFC 9207's `iss`, or an OAuth error. Jobber's denial comes back with no parameters at all.
 */
export const callbackQuery = {
  type: 'object',
  properties: {
    code: callbackValue,
    state: { type: 'string', minLength: 1, maxLength: 200 },
    realmId: { type: 'string', pattern: '^[0-9]{1,32}$' },
    scope: callbackValue,
    authuser: callbackValue,
    hd: callbackValue,
    prompt: callbackValue,
    iss: callbackValue,
    error: { type: 'string', minLength: 1, maxLength: 100 },
    error_description: callbackValue,
    error_uri: callbackValue,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const createConnectionBody = {
  type: 'object',
  properties: {
    vendor: { type: 'string', enum: PERSONAL_TOKEN_VENDORS },
    externalAccountId: { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S+$' },
    accessToken: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^\\S+$' },
    displayName,
    endpoints: {
      type: 'object',
      properties: { endpointUrl: httpUrl, rootUrl: httpUrl, graphqlUrl: httpUrl, v3EndpointBaseUrl: httpUrl },
      minProperties: 1,
      additionalProperties: false,
    },
  },
  required: ['vendor', 'externalAccountId', 'accessToken'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const updateConnectionBody = {
  type: 'object',
  properties: {
    displayName: { anyOf: [displayName, { type: 'null' }] },
    /** Minutes between periodic incremental syncs: 5 minutes to a day. */
    syncIntervalMinutes: { type: 'integer', minimum: 5, maximum: 1440 },
  },
  minProperties: 1,
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface ListConnectionsQuery {
  vendor?: (typeof VENDORS)[number];
  status?: (typeof CONNECTION_STATUSES)[number];
  limit: number;
  cursor?: string;
}

export interface AuthorizeBody {
  baseId?: string;
  baseName?: string;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  realmId?: string;
  error?: string;
  error_description?: string;
}

export interface CreateConnectionBody {
  vendor: PersonalTokenVendor;
  externalAccountId: string;
  accessToken: string;
  displayName?: string;
  endpoints?: { endpointUrl?: string; rootUrl?: string; graphqlUrl?: string; v3EndpointBaseUrl?: string };
}

export type { OAuthVendor };
