import type { VendorConnection } from '../../../db/entities/index.js';

/** A connection as the API shows it: status and bookkeeping only, never credentials or their ciphertext. */
export function presentConnection(connection: VendorConnection) {
  return {
    id: connection.id,
    vendor: connection.vendor,
    externalAccountId: connection.externalAccountId,
    displayName: connection.displayName ?? null,
    status: connection.status,
    tokenExpiresAt: connection.tokenExpiresAt?.toISOString() ?? null,
    lastSyncedAt: connection.lastSyncedAt?.toISOString() ?? null,
    syncIntervalMinutes: connection.syncIntervalMinutes,
    lastError: connection.lastError ?? null,
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
  };
}
