import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConnectionSecrets } from '../../../activities/vendor-clients.js';
import { CredentialsUnreadableError, type CredentialsCipher } from '../../../db/credentials-cipher.js';
import type { MessageChannel, Vendor } from '../../../db/entities/enums.js';
import { VendorConnection } from '../../../db/entities/index.js';
import { AppError } from '../../errors.js';

/** Which vendor carries a channel: SMS by Twilio, email by SendGrid or Gmail (our `google` connection), Slack. */
export type EmailProvider = 'sendgrid' | 'gmail';

const VENDOR_NAMES: Partial<Record<Vendor, string>> = {
  twilio: 'Twilio',
  sendgrid: 'SendGrid',
  google: 'Google',
  slack: 'Slack',
};

/*
 * What a connection must hold before a send can succeed (activities/message-senders.ts refuses the same gaps, but
 * only once the message is queued): Twilio sends from a number or a Messaging Service, SendGrid from a sender
 * address. A gap here is a 409 now rather than a message that fails later.
 */
function missingForSending(vendor: Vendor, secrets: ConnectionSecrets): string | null {
  const sender = secrets.sender ?? {};
  if (vendor === 'twilio' && !sender.phoneNumber && !sender.messagingServiceSid) return 'a sender number';
  if (vendor === 'sendgrid' && !sender.email) return 'a sender address';
  return null;
}

/**
 * Finds the connection a message goes out through: the oldest connected one of the vendor whose credentials
 * this server can read and which holds what sending needs. Null, with the reason, when there is none.
 */
async function usableConnection(
  em: EntityManager,
  cipher: CredentialsCipher,
  vendor: Vendor,
): Promise<{ connection: VendorConnection } | { missing: string }> {
  const candidates = await em.find(
    VendorConnection,
    { vendor, status: 'connected' },
    { orderBy: { createdAt: 'asc' } },
  );
  let missing = 'no connected account';
  for (const connection of candidates) {
    if (!connection.credentialsEncrypted) continue;
    let secrets: ConnectionSecrets;
    try {
      secrets = cipher.decrypt(connection.credentialsEncrypted) as unknown as ConnectionSecrets;
    } catch (error) {
      if (error instanceof CredentialsUnreadableError) continue;
      throw error;
    }
    const gap = missingForSending(vendor, secrets);
    if (!gap) return { connection };
    missing = `a connected account without ${gap}`;
  }
  return { missing };
}

function noConnection(channel: MessageChannel, gaps: { vendor: Vendor; missing: string }[]): AppError {
  const reasons = gaps.map(({ vendor, missing }) => `${VENDOR_NAMES[vendor] ?? vendor} has ${missing}`);
  return new AppError(
    'connection_not_found',
    409,
    `Cannot send ${channel === 'sms' ? 'SMS' : channel}: ${reasons.join(', and ')}`,
  );
}

/**
 * The connection of a send. Email goes through SendGrid when it can send, else through Gmail; naming a provider
 * means that provider or nothing (a caller who asked for Gmail does not want SendGrid's sender).
 */
export async function sendingConnection(
  em: EntityManager,
  cipher: CredentialsCipher,
  channel: MessageChannel,
  provider?: EmailProvider,
): Promise<VendorConnection> {
  const vendors: Vendor[] =
    channel === 'sms'
      ? ['twilio']
      : channel === 'slack'
        ? ['slack']
        : provider === 'gmail'
          ? ['google']
          : provider === 'sendgrid'
            ? ['sendgrid']
            : ['sendgrid', 'google'];
  const gaps: { vendor: Vendor; missing: string }[] = [];
  for (const vendor of vendors) {
    const found = await usableConnection(em, cipher, vendor);
    if ('connection' in found) return found.connection;
    gaps.push({ vendor, missing: found.missing });
  }
  throw noConnection(channel, gaps);
}
