import { createHash } from 'node:crypto';
import { base64HmacSha256Matches } from '../core/hmac-signature.js';
import type { SyncResource } from '../core/records.js';

/*
 * QuickBooks Online data-change webhooks [vendor-facts §2.8], in both the legacy `eventNotifications` form and the
 * CloudEvents array Intuit is migrating to: pure functions, no I/O.
 */

export const SIGNATURE_HEADER = 'intuit-signature';

/** `intuit-signature`: base64(HMAC-SHA256(key = the app's webhook verifier token, message = the raw body)). */
export const intuitSignatureMatches = base64HmacSha256Matches;

interface LegacyEntity {
  name: string;
  id: string;
  operation: string;
  lastUpdated?: string;
  deletedId?: string;
}

export interface LegacyNotificationBody {
  eventNotifications: Array<{ realmId: string; dataChangeEvent?: { entities: LegacyEntity[] } }>;
}

export interface CloudEvent {
  id: string;
  type: string;
  time?: string;
  intuitentityid?: string;
  intuitaccountid: string;
}

/** One entity change of a notification: which company, which record, what happened. */
export interface QuickbooksChange {
  /** Intuit's CloudEvent id, or (legacy form, which has none) a digest of the change itself. */
  eventId: string;
  realmId: string;
  entity: string;
  entityId: string | null;
  operation: string;
  at: string | null;
}

const digest = (parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/** Every change a body reports, whichever form it has (a CloudEvents body is a JSON array). */
export function quickbooksChangesOf(body: LegacyNotificationBody | CloudEvent[]): QuickbooksChange[] {
  if (Array.isArray(body)) {
    return body.map((event) => {
      // `qbo.<entity>.<verb>.v1`
      const [, entity = '', operation = ''] = event.type.split('.');
      return {
        eventId: event.id,
        realmId: event.intuitaccountid,
        entity: entity.toLowerCase(),
        entityId: event.intuitentityid ?? null,
        operation: operation.toLowerCase(),
        at: event.time ?? null,
      };
    });
  }
  return body.eventNotifications.flatMap(({ realmId, dataChangeEvent }) =>
    (dataChangeEvent?.entities ?? []).map((change) => ({
      eventId: digest([realmId, change.name, change.id, change.operation, change.lastUpdated ?? null]),
      realmId,
      entity: change.name.toLowerCase(),
      entityId: change.id,
      operation: change.operation.toLowerCase(),
      at: change.lastUpdated ?? null,
    })),
  );
}

const RESOURCE_OF_ENTITY: Readonly<Record<string, SyncResource>> = {
  customer: 'customers',
  invoice: 'invoices',
  payment: 'payments',
  purchase: 'expenses',
};

/** The synced resource an entity change belongs to (its CDC sync picks the change up), or null for entities we do not sync. */
export function quickbooksResourceOf(entity: string): SyncResource | null {
  return RESOURCE_OF_ENTITY[entity.toLowerCase()] ?? null;
}
