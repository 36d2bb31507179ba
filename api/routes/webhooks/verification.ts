import type { Context } from 'koa';
import type { ConnectionSecrets } from '../../../activities/vendor-clients.js';
import { createCredentialsCipher, CredentialsUnreadableError } from '../../../db/credentials-cipher.js';
import type { ConnectionStatus, Vendor, WebhookSender } from '../../../db/entities/enums.js';
import { recordSecurityEvent } from '../../../db/repositories/security-events.js';
import { announceSecurityEvent } from '../../realtime/security-alerts.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { noteWebhookOutcome } from '../../metrics/webhook-outcomes.js';

/**
 * What a receiver's signature check hands to its handler (which runs after input validation), per request. A
 * WeakMap rather than `ctx.state`: each receiver keeps its own typed record, and it goes away with the request.
 */
export function verifiedRequests<T extends object>() {
  const byRequest = new WeakMap<Context, T>();
  return {
    set(ctx: Context, verified: T): void {
      byRequest.set(ctx, verified);
    },
    get(ctx: Context): T {
      const verified = byRequest.get(ctx);
      if (!verified) throw new Error('a webhook handler ran without its signature check');
      return verified;
    },
  };
}

/** One connection's secrets, a candidate key for a webhook's signature. */
export interface WebhookKey {
  connectionId: string;
  externalAccountId: string;
  status: ConnectionStatus;
  secrets: ConnectionSecrets;
}

/**
 * Whether a webhook may ask this connection's sync for a pass: one that needs re-authorization or was disconnected
 * would only fail, so its events are stored and ignored.
 */
export function canSync(connection: Pick<WebhookKey, 'status'>): boolean {
  return connection.status === 'connected' || connection.status === 'error';
}

interface ConnectionKeyRow {
  id: string;
  external_account_id: string;
  status: ConnectionStatus;
  credentials_encrypted: string | null;
}

/** Decrypted secrets kept per sealed value: a connection's secrets change only when its sealed credentials do. */
const OPENED_SECRETS_LIMIT = 1000;

/**
 * The secrets of a vendor's connections (of one vendor account, when the webhook names it), read fresh on every
 * delivery (a key rolled or a connection removed counts at once) with one plain query, and decrypted once per sealed
 * value: every delivery needs them, and at a burst's rate the ORM's hydration and the decryption were a large part of
 * a receiver's work. A connection whose credentials no longer decrypt cannot verify anything; it is logged and
 * skipped rather than failing the others.
 */
export function webhookKeys(deps: AppDeps): (vendor: Vendor, externalAccountId?: string) => Promise<WebhookKey[]> {
  const cipher = createCredentialsCipher(deps.config.credentialsKey);
  const opened = new Map<string, ConnectionSecrets>();
  const open = (sealed: string): ConnectionSecrets => {
    let secrets = opened.get(sealed);
    if (!secrets) {
      secrets = cipher.decrypt(sealed) as ConnectionSecrets;
      if (opened.size >= OPENED_SECRETS_LIMIT) opened.clear();
      opened.set(sealed, secrets);
    }
    return secrets;
  };
  return async (vendor, externalAccountId) => {
    const rows = await deps.orm.em.getConnection().execute<ConnectionKeyRow[]>(
      `select id, external_account_id, status, credentials_encrypted from vendor_connections
        where vendor = ?${externalAccountId !== undefined ? ' and external_account_id = ?' : ''}
        order by created_at asc`,
      externalAccountId !== undefined ? [vendor, externalAccountId] : [vendor],
    );
    return rows.flatMap((row) => {
      if (!row.credentials_encrypted) return [];
      try {
        const secrets = open(row.credentials_encrypted);
        return [{ connectionId: row.id, externalAccountId: row.external_account_id, status: row.status, secrets }];
      } catch (error) {
        if (!(error instanceof CredentialsUnreadableError)) throw error;
        deps.logger.error({ vendor, connectionId: row.id }, 'webhook: connection credentials are unreadable');
        return [];
      }
    });
  };
}

/**
 * Refuses a webhook whose signature is missing or wrong: a critical security event (someone is posting to our
 * receiver without the vendor's key), then 401. The reason stays in the event and in the delivery's metric
 * outcome; the caller learns nothing more.
 */
export async function refuseWebhook(
  deps: AppDeps,
  ctx: Context,
  vendor: WebhookSender,
  reason: string,
): Promise<never> {
  noteWebhookOutcome(ctx, { outcome: reason });
  const event = {
    type: 'webhook_signature_invalid' as const,
    ip: ctx.ip,
    userAgent: ctx.get('User-Agent') || null,
    details: { vendor, reason, path: ctx.path },
  };
  await recordSecurityEvent(deps.orm.em.fork(), event);
  announceSecurityEvent(deps.realtime, event);
  throw new AppError('webhook_signature_invalid', 401, 'Missing or invalid webhook signature');
}
