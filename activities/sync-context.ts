import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { CredentialsUnreadableError } from '../db/credentials-cipher.js';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import type { SyncResource } from '../integrations/core/records.js';
import type { ServiceClient } from '../integrations/core/service-client.js';
import type { TokenSource } from '../integrations/core/tokens.js';
import { failureTypes } from '../temporal/failures.js';
import { connectionTokenSource, type RefreshOutcome } from './connection-tokens.js';
import type { ActivityDeps } from './deps.js';
import type { ConnectionSecrets } from './vendor-clients.js';

export type SyncMode = 'full' | 'incremental';

/**
 * Where a full listing comes from: vendors whose change feed, asked with no checkpoint, walks everything and ends
 * with a checkpoint (Jobber, Airtable, Google's sync token) use it; QuickBooks' CDC cannot list everything, so its
 * full sync is `query` paging, with the checkpoint taken before the first page.
 */
export const FULL_LISTING_VIA_CHANGES: Readonly<Record<string, boolean>> = {
  jobber: true,
  airtable: true,
  google: true,
};

/** The sync_log coordinates of the running activity. */
export function stepOf(input: { connectionId: string; resource: SyncResource }, vendor: string) {
  const { workflowExecution, activityId } = Context.current().info;
  return {
    service: vendor,
    connectionId: input.connectionId,
    resourceType: input.resource,
    workflowId: workflowExecution?.workflowId ?? 'standalone',
    runId: workflowExecution?.runId ?? 'standalone',
    activityId,
  };
}

export type SyncStep = ReturnType<typeof stepOf>;

export async function loadConnection(em: EntityManager, connectionId: string): Promise<VendorConnection> {
  const connection = await em.findOne(VendorConnection, { id: connectionId });
  if (!connection) {
    throw ApplicationFailure.nonRetryable(`connection ${connectionId} does not exist`, failureTypes.connectionNotFound);
  }
  return connection;
}

/** A connection's decrypted secrets and a token source that refreshes through the database (connection-tokens.ts). */
export function connectionAccess(
  { orm, credentials, vendors, events }: Pick<ActivityDeps, 'orm' | 'credentials' | 'vendors' | 'events'>,
  connection: VendorConnection,
  onRefresh: (outcome: RefreshOutcome) => Promise<void>,
): { secrets: ConnectionSecrets; tokens: TokenSource } {
  let secrets: ConnectionSecrets;
  try {
    secrets = credentials.decrypt(connection.credentialsEncrypted ?? '') as ConnectionSecrets;
  } catch (error) {
    // A wrong or rotated-away key does not fix itself: fail now rather than retry for minutes.
    if (!(error instanceof CredentialsUnreadableError)) throw error;
    throw ApplicationFailure.nonRetryable(error.message, failureTypes.credentialsUnreadable);
  }
  const tokens = connectionTokenSource({
    orm,
    cipher: credentials,
    connectionId: connection.id,
    refresher: vendors.refresher(connection, secrets),
    onRefresh: async (outcome) => {
      // The one refresh the vendor refused (the others wait on its lock) tells the admins at once.
      if (outcome.kind === 'revoked') {
        await events.publish('alert.created', {
          kind: 'connection',
          type: 'needs_reauth',
          severity: 'critical',
          title: `The ${connection.vendor} connection must be authorized again`,
          subject: {
            connectionId: connection.id,
            vendor: connection.vendor,
            displayName: connection.displayName ?? null,
          },
        });
      }
      await onRefresh(outcome);
    },
  });
  return { secrets, tokens };
}

/** The sync client of a connection, refreshing its tokens through the database. */
export function connectionClient(
  deps: Pick<ActivityDeps, 'orm' | 'credentials' | 'vendors' | 'events'>,
  connection: VendorConnection,
  onRefresh: (outcome: RefreshOutcome) => Promise<void>,
): ServiceClient {
  const { secrets, tokens } = connectionAccess(deps, connection, onRefresh);
  return deps.vendors.client(connection, secrets, tokens);
}
