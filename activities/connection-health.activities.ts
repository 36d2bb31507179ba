import { ApplicationFailure } from '@temporalio/activity';
import { CredentialsUnreadableError } from '../db/credentials-cipher.js';
import { VendorConnection } from '../db/entities/vendor-connection.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActivityDeps } from './deps.js';

export interface ConnectionHealth {
  connectionId: string;
  vendor: string;
  connectionStatus: string;
  healthy: boolean;
  problem?: string;
}

export function createConnectionHealthActivities({ orm, credentials, events }: ActivityDeps) {
  return {
    /** Reads the connection and proves its stored credentials still decrypt; changes nothing. */
    async checkConnectionHealth(connectionId: string): Promise<ConnectionHealth> {
      const em = orm.em.fork();
      const connection = await em.findOne(VendorConnection, { id: connectionId });
      if (!connection) {
        throw ApplicationFailure.nonRetryable(
          `connection ${connectionId} does not exist`,
          failureTypes.connectionNotFound,
        );
      }
      const base = { connectionId, vendor: connection.vendor, connectionStatus: connection.status };
      if (connection.credentialsEncrypted) {
        try {
          credentials.decrypt(connection.credentialsEncrypted);
        } catch (error) {
          if (!(error instanceof CredentialsUnreadableError)) throw error;
          throw ApplicationFailure.nonRetryable(error.message, failureTypes.credentialsUnreadable);
        }
      }
      const problem =
        connection.status !== 'connected'
          ? `connection is ${connection.status}`
          : connection.credentialsEncrypted
            ? undefined
            : 'no credentials stored';
      const health: ConnectionHealth = { ...base, healthy: problem === undefined, ...(problem ? { problem } : {}) };
      await events.publish('connection.checked', { ...health });
      return health;
    },
  };
}
