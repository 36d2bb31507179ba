import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make syncs findable in the Web UI: `Vendor = "jobber" AND SyncKind = "full"`.
 * Kept apart from their registration so workflow code (which must not load the client) can use them too.
 */
export const searchAttributes = {
  vendor: defineSearchAttributeKey('Vendor', SearchAttributeType.KEYWORD),
  connectionId: defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD),
  syncKind: defineSearchAttributeKey('SyncKind', SearchAttributeType.KEYWORD),
  syncResource: defineSearchAttributeKey('SyncResource', SearchAttributeType.KEYWORD),
} as const;

/** What every sync carries, however it was started (API, schedule, webhook). */
export function syncSearchAttributes(connection: { id: string; vendor: string }, resource: string, mode: string) {
  return [
    { key: searchAttributes.connectionId, value: connection.id },
    { key: searchAttributes.vendor, value: connection.vendor },
    { key: searchAttributes.syncKind, value: mode },
    { key: searchAttributes.syncResource, value: resource },
  ];
}
