import { SANDBOX_VENDORS } from '../sandbox/core/sandbox.js';
import { envParser } from './parse-env.js';
import { loadSandboxConfig } from './sandbox.js';
import { VENDOR_CREDENTIAL_VARIABLES } from './stack.js';

/** Vendors we connect through their OAuth authorize/callback flow (each has an `integrations/<vendor>/oauth.ts`). */
export const OAUTH_VENDORS = ['jobber', 'quickbooks', 'google', 'airtable'] as const;
export type OAuthVendor = (typeof OAUTH_VENDORS)[number];

/** Where a vendor's API lives when it is not the vendor's production host (the sandbox, Intuit's sandbox companies). */
export interface VendorEndpoints {
  readonly graphqlUrl?: string;
  readonly v3EndpointBaseUrl?: string;
  readonly rootUrl?: string;
  readonly endpointUrl?: string;
}

/** Our app registered at one vendor: what the authorize URL and the code exchange need. */
export interface OAuthApp {
  readonly clientId: string;
  /** Empty for an Airtable integration without a secret (PKCE alone authenticates it). */
  readonly clientSecret: string;
  /** Absent: the vendor's production endpoints (the defaults of `integrations/<vendor>/oauth.ts`). */
  readonly authorizeUrl?: string;
  readonly tokenUrl?: string;
  /** Google only: where the account's email is read after the exchange. */
  readonly tokenInfoUrl?: string;
  /** Registered at the vendor; the vendor sends the browser back here with `code` and `state`. */
  readonly redirectUri: string;
  readonly endpoints?: VendorEndpoints;
  /**
   * QuickBooks only: the app's webhook verifier token (developer portal), the key of `intuit-signature`. Jobber
   * signs its webhooks with `clientSecret`.
   */
  readonly webhookVerifierToken?: string;
  /** True when these are the vendor sandbox's built-in apps (no credentials configured). */
  readonly sandbox: boolean;
}

export type OAuthApps = Readonly<Partial<Record<OAuthVendor, OAuthApp>>>;

const url = { type: 'string', pattern: '^https?://[^\\s]+$' } as const;
const text = { type: 'string', minLength: 1, maxLength: 500 } as const;
const ENV_PREFIX: Record<OAuthVendor, string> = {
  jobber: 'JOBBER',
  quickbooks: 'QUICKBOOKS',
  google: 'GOOGLE',
  airtable: 'AIRTABLE',
};
/** Which ConnectionSecrets endpoint `<VENDOR>_API_URL` sets, per vendor. */
const API_URL_FIELD: Record<OAuthVendor, keyof VendorEndpoints> = {
  jobber: 'graphqlUrl',
  quickbooks: 'v3EndpointBaseUrl',
  google: 'rootUrl',
  airtable: 'endpointUrl',
};

const properties: Record<string, unknown> = {
  PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
  OAUTH_REDIRECT_BASE_URL: url,
  SANDBOX_MODE: { type: 'string', enum: ['auto', 'on', 'off'], default: 'auto' },
  QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: text,
};
const dependencies: Record<string, string[]> = {};
for (const prefix of Object.values(ENV_PREFIX)) {
  for (const name of ['CLIENT_ID', 'CLIENT_SECRET']) properties[`${prefix}_${name}`] = text;
  for (const name of ['AUTHORIZE_URL', 'TOKEN_URL', 'API_URL']) properties[`${prefix}_${name}`] = url;
  // Airtable integrations may have no secret (PKCE only); the others cannot exchange a code without one.
  if (prefix !== 'AIRTABLE') dependencies[`${prefix}_CLIENT_ID`] = [`${prefix}_CLIENT_SECRET`];
}
const parse = envParser<Record<string, string | number | undefined>>({ type: 'object', properties, dependencies });

/*
 * The sandbox's built-in OAuth apps: fixed client ids and secrets from sandbox/vendors/<vendor> (options.ts,
 * identity and index files), and the paths where each simulator serves the vendor's OAuth endpoints.
 * tests/api/connections.test.ts checks these against the running sandbox's `GET /_sandbox`.
 */
const SANDBOX_APPS: Record<
  OAuthVendor,
  { clientId: string; clientSecret: string; webhookVerifierToken?: string; paths: Record<string, string> }
> = {
  jobber: {
    clientId: 'sandbox-jobber-client-id',
    clientSecret: 'sandbox-jobber-client-secret',
    paths: { authorizeUrl: '/api/oauth/authorize', tokenUrl: '/api/oauth/token', graphqlUrl: '/api/graphql' },
  },
  quickbooks: {
    clientId: 'ABsandboxQuickbooksClientId0000000000000000000000',
    clientSecret: 'sandbox-quickbooks-client-secret-000000000',
    webhookVerifierToken: 'sandbox-quickbooks-verifier-token',
    paths: { authorizeUrl: '/connect/oauth2', tokenUrl: '/oauth2/v1/tokens/bearer', v3EndpointBaseUrl: '/v3/company/' },
  },
  google: {
    clientId: 'sandbox-client-id.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-sandbox-client-secret',
    paths: { authorizeUrl: '/o/oauth2/v2/auth', tokenUrl: '/token', tokenInfoUrl: '/tokeninfo', rootUrl: '/' },
  },
  airtable: {
    clientId: 'sandbox-airtable-client',
    clientSecret: 'sandbox-airtable-client-secret',
    paths: { authorizeUrl: '/oauth2/v1/authorize', tokenUrl: '/oauth2/v1/token', endpointUrl: '' },
  },
};

/** Same rule as `config/stack.ts` (which decides whether `npm start` runs the sandbox at all). */
function sandboxModeOn(env: NodeJS.ProcessEnv, mode: unknown): boolean {
  return mode === 'on' || (mode === 'auto' && VENDOR_CREDENTIAL_VARIABLES.every((name) => !env[name]));
}

/** The sandbox app of one vendor, on the port `npm start` gives that simulator (control port + 1 + its index). */
function sandboxApp(env: NodeJS.ProcessEnv, vendor: OAuthVendor, redirectUri: string): OAuthApp {
  const sandbox = loadSandboxConfig(env);
  const base = `http://${sandbox.host}:${sandbox.port + 1 + SANDBOX_VENDORS.indexOf(vendor)}`;
  const { clientId, clientSecret, webhookVerifierToken, paths } = SANDBOX_APPS[vendor];
  const at = (name: string) => (paths[name] === undefined ? undefined : `${base}${paths[name]}`);
  const apiUrl = at(API_URL_FIELD[vendor]);
  return {
    clientId,
    clientSecret,
    authorizeUrl: at('authorizeUrl')!,
    tokenUrl: at('tokenUrl')!,
    ...(at('tokenInfoUrl') ? { tokenInfoUrl: at('tokenInfoUrl')! } : {}),
    redirectUri,
    ...(apiUrl ? { endpoints: { [API_URL_FIELD[vendor]]: apiUrl } } : {}),
    ...(webhookVerifierToken ? { webhookVerifierToken } : {}),
    sandbox: true,
  };
}

/**
 * OAuth apps per vendor from `<VENDOR>_CLIENT_ID`, `_CLIENT_SECRET`, `_AUTHORIZE_URL`, `_TOKEN_URL`, `_API_URL`
 * and `OAUTH_REDIRECT_BASE_URL`. In sandbox mode a vendor without a client id gets the sandbox's app; outside it,
 * such a vendor has no app (its authorize route answers 400).
 */
export function loadOAuthApps(env: NodeJS.ProcessEnv = process.env): OAuthApps {
  const parsed = parse(env);
  const redirectBase = String(parsed.OAUTH_REDIRECT_BASE_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, '');
  const sandboxMode = sandboxModeOn(env, parsed.SANDBOX_MODE);
  const apps: Partial<Record<OAuthVendor, OAuthApp>> = {};
  for (const vendor of OAUTH_VENDORS) {
    const prefix = ENV_PREFIX[vendor];
    const value = (name: string) => parsed[`${prefix}_${name}`] as string | undefined;
    const redirectUri = `${redirectBase}/api/connections/oauth/${vendor}/callback`;
    const clientId = value('CLIENT_ID');
    if (!clientId) {
      if (sandboxMode) apps[vendor] = Object.freeze(sandboxApp(env, vendor, redirectUri));
      continue;
    }
    const apiUrl = value('API_URL');
    apps[vendor] = Object.freeze({
      clientId,
      clientSecret: value('CLIENT_SECRET') ?? '',
      ...(value('AUTHORIZE_URL') ? { authorizeUrl: value('AUTHORIZE_URL') } : {}),
      ...(value('TOKEN_URL') ? { tokenUrl: value('TOKEN_URL') } : {}),
      redirectUri,
      ...(apiUrl ? { endpoints: { [API_URL_FIELD[vendor]]: apiUrl } } : {}),
      ...(vendor === 'quickbooks' && parsed.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
        ? { webhookVerifierToken: String(parsed.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN) }
        : {}),
      sandbox: false,
    });
  }
  return Object.freeze(apps);
}
