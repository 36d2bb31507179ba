import { createHash } from 'node:crypto';
import type { ConnectionSecrets } from '../activities/vendor-clients.js';
import { createCredentialsCipher, CredentialsUnreadableError } from '../db/credentials-cipher.js';
import { VENDORS, type Vendor } from '../db/entities/enums.js';
import { VendorConnection } from '../db/entities/index.js';
import { openOrm } from '../db/orm.js';
import { jwtExpiry } from '../integrations/jobber/oauth.js';

/** One vendor's entry of `GET /_sandbox` (sandbox/vendors/<vendor>/index.ts `info()`). */
type SandboxInfo = Record<string, unknown>;

interface SandboxConnection {
  externalAccountId: string;
  displayName: string;
  secrets: ConnectionSecrets;
}

export interface SandboxConnectionsResult {
  /** Vendors connected after the call (every vendor the sandbox serves). */
  connected: Vendor[];
  created: Vendor[];
  /** Existing rows whose tokens were replaced: the sandbox was restarted and issued new ones. */
  reseeded: Vendor[];
}

const text = (info: SandboxInfo, key: string): string => {
  const value = info[key];
  if (typeof value !== 'string' || !value) throw new Error(`sandbox info lacks ${key}`);
  return value;
};
/** Who sandbox-mode email comes from. */
export const SANDBOX_EMAIL_SENDER = 'office@sandbox-field-services.example';

const expiry = (iso: unknown): number | undefined => (typeof iso === 'string' ? Date.parse(iso) : undefined);

/** What a real connection to each simulator stores: the same ConnectionSecrets an OAuth callback or token would. */
export function sandboxConnection(vendor: Vendor, info: SandboxInfo): SandboxConnection {
  const base = text(info, 'baseUrl');
  switch (vendor) {
    case 'jobber': {
      const accessToken = text(info, 'accessToken');
      return {
        externalAccountId: text(info, 'accountId'),
        displayName: 'Jobber (sandbox)',
        secrets: {
          accessToken,
          refreshToken: text(info, 'refreshToken'),
          expiresAt: jwtExpiry(accessToken),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: text(info, 'tokenUrl'),
          },
          endpoints: { graphqlUrl: text(info, 'graphqlUrl') },
        },
      };
    }
    case 'quickbooks':
      return {
        externalAccountId: text(info, 'realmId'),
        displayName: 'QuickBooks (sandbox)',
        secrets: {
          accessToken: text(info, 'accessToken'),
          refreshToken: text(info, 'refreshToken'),
          expiresAt: expiry(info.accessTokenExpiresAt),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: text(info, 'tokenUrl'),
          },
          endpoints: { v3EndpointBaseUrl: text(info, 'v3EndpointBaseUrl') },
          webhook: { verifierToken: text(info, 'webhookVerifierToken') },
        },
      };
    case 'google':
      return {
        externalAccountId: text(info, 'userEmail'),
        displayName: 'Google (sandbox)',
        secrets: {
          accessToken: text(info, 'accessToken'),
          refreshToken: text(info, 'refreshToken'),
          expiresAt: expiry(info.accessTokenExpiresAt),
          oauth: {
            clientId: text(info, 'clientId'),
            clientSecret: text(info, 'clientSecret'),
            tokenUrl: `${base}/token`,
          },
          // googleapis drops any path of its root URL, and wants the trailing slash.
          endpoints: { rootUrl: `${base}/` },
          calendarId: text(info, 'calendarId'),
        },
      };
    case 'airtable':
      // The personal access token, not an OAuth grant: the sandbox issues a new grant on every GET /_sandbox,
      // which would make every start look like a restarted sandbox.
      return {
        externalAccountId: text(info, 'baseId'),
        displayName: text(info, 'baseName'),
        secrets: {
          accessToken: text(info, 'personalAccessToken'),
          endpoints: { endpointUrl: text(info, 'endpointUrl') },
        },
      };
    case 'slack':
      return {
        externalAccountId: text(info, 'teamId'),
        displayName: 'Slack (sandbox)',
        secrets: {
          accessToken: text(info, 'botToken'),
          endpoints: { endpointUrl: text(info, 'apiUrl') },
          webhook: { signingSecret: text(info, 'signingSecret') },
        },
      };
    case 'twilio': {
      const numbers = info.phoneNumbers;
      const phoneNumber = Array.isArray(numbers) && typeof numbers[0] === 'string' ? numbers[0] : undefined;
      // Twilio signs webhooks with the auth token itself (`accessToken`): no separate webhook key.
      return {
        externalAccountId: text(info, 'accountSid'),
        displayName: 'Twilio (sandbox)',
        secrets: {
          accessToken: text(info, 'authToken'),
          endpoints: { endpointUrl: base },
          ...(phoneNumber ? { sender: { phoneNumber } } : {}),
        },
      };
    }
    case 'sendgrid': {
      const apiKey = text(info, 'apiKey');
      // SendGrid keys read `SG.<key id>.<secret>`; the key id names the key without revealing it.
      return {
        externalAccountId: apiKey.split('.')[1] ?? 'sandbox',
        displayName: 'SendGrid (sandbox)',
        secrets: {
          accessToken: apiKey,
          endpoints: { endpointUrl: base },
          // The sandbox accepts any sender (no verified-sender list unless configured).
          sender: { email: SANDBOX_EMAIL_SENDER, name: 'Sandbox Field Services' },
          webhook: { publicKey: text(info, 'eventWebhookPublicKey') },
        },
      };
    }
  }
}

/**
 * Which tokens (and webhook keys) of the sandbox a row was seeded with. Each sandbox process issues fresh OAuth
 * tokens and a fresh SendGrid signing key pair, so a changed fingerprint means a restarted sandbox whose old tokens
 * and key are dead; an unchanged one means the row (whose tokens may have been refreshed since) is still good and
 * is left alone.
 */
function grantFingerprint(secrets: ConnectionSecrets): string {
  const extras = secrets.webhook || secrets.sender ? `\n${JSON.stringify([secrets.webhook, secrets.sender])}` : '';
  return createHash('sha256')
    .update(`${secrets.accessToken}\n${secrets.refreshToken ?? ''}${extras}`)
    .digest('base64url');
}

async function readSandbox(controlUrl: string): Promise<Record<string, SandboxInfo>> {
  const url = new URL('/_sandbox', controlUrl);
  const reply = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!reply.ok) throw new Error(`vendor sandbox: GET ${url.href} answered ${reply.status}`);
  return ((await reply.json()) as { vendors: Record<string, SandboxInfo> }).vendors;
}

/**
 * Sandbox mode: one connected VendorConnection per simulator, so the demo syncs at once. Idempotent: an existing
 * row keeps its id, name and cursors, and its credentials unless the sandbox issued new tokens since they were
 * seeded (or the row is not connected).
 */
export async function connectSandboxVendors(
  databaseUrl: string,
  credentialsKey: string,
  sandboxControlUrl: string,
): Promise<SandboxConnectionsResult> {
  const vendors = await readSandbox(sandboxControlUrl);
  const cipher = createCredentialsCipher(credentialsKey);
  const orm = await openOrm(databaseUrl);
  const result: SandboxConnectionsResult = { connected: [], created: [], reseeded: [] };
  try {
    await orm.em.fork().transactional(async (em) => {
      for (const [name, info] of Object.entries(vendors)) {
        // A simulator this version does not know how to connect is left alone.
        if (!(VENDORS as readonly string[]).includes(name)) continue;
        const vendor = name as Vendor;
        const wanted = sandboxConnection(vendor, info);
        const secrets: ConnectionSecrets = { ...wanted.secrets, sandboxGrant: grantFingerprint(wanted.secrets) };
        const existing = await em.findOne(VendorConnection, { vendor, externalAccountId: wanted.externalAccountId });
        result.connected.push(vendor);
        if (!existing) {
          em.create(VendorConnection, {
            vendor,
            externalAccountId: wanted.externalAccountId,
            displayName: wanted.displayName,
            credentialsEncrypted: cipher.encrypt(secrets),
            tokenExpiresAt: secrets.expiresAt ? new Date(secrets.expiresAt) : null,
          });
          result.created.push(vendor);
          continue;
        }
        if (existing.status === 'connected' && seededWith(existing, cipher, secrets.sandboxGrant as string)) continue;
        existing.credentialsEncrypted = cipher.encrypt(secrets);
        existing.tokenExpiresAt = secrets.expiresAt ? new Date(secrets.expiresAt) : null;
        existing.status = 'connected';
        existing.lastError = null;
        result.reseeded.push(vendor);
      }
      await em.flush();
    });
  } finally {
    await orm.close();
  }
  return result;
}

function seededWith(
  connection: VendorConnection,
  cipher: ReturnType<typeof createCredentialsCipher>,
  fingerprint: string,
): boolean {
  if (!connection.credentialsEncrypted) return false;
  try {
    return cipher.decrypt(connection.credentialsEncrypted).sandboxGrant === fingerprint;
  } catch (error) {
    // Sealed under another CREDENTIALS_KEY: unreadable, so replaced.
    if (error instanceof CredentialsUnreadableError) return false;
    throw error;
  }
}
