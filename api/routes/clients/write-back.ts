import type { EntityManager } from '@mikro-orm/postgresql';
import { VendorConnection } from '../../../db/entities/index.js';
import { requestJobberWriteBack } from '../../../temporal/action-starters.js';
import type { AppDeps } from '../../deps.js';

/** What a client or job write answers about its push to Jobber. */
export type WriteBackAnswer = { workflowId: string } | null;

/**
 * The Jobber connection writes are pushed through: the oldest connected one holding credentials (the activity
 * refreshes its tokens, and fails the workflow, not the request, if they cannot be read).
 */
function writeBackConnection(em: EntityManager): Promise<VendorConnection | null> {
  return em.findOne(
    VendorConnection,
    { vendor: 'jobber', status: 'connected', credentialsEncrypted: { $ne: null } },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

/**
 * Starts (or signals) the row's write-back after its transaction committed; null without a Jobber connection.
 * The row is saved whatever happens here: a failed start is logged, and the next edit pushes the current state.
 */
export async function startWriteBack(deps: AppDeps, kind: 'client' | 'job', id: string): Promise<WriteBackAnswer> {
  const connection = await writeBackConnection(deps.orm.em.fork());
  if (!connection) return null;
  try {
    const handle = await requestJobberWriteBack(deps.temporal.client, deps.config.temporal.taskQueue, {
      kind,
      id,
      connectionId: connection.id,
    });
    return { workflowId: handle.workflowId };
  } catch (error) {
    deps.logger.error({ err: error, kind, id }, 'could not start the Jobber write-back of a saved row');
    return null;
  }
}
