import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { ActivityDeps } from '../activities/deps.js';
import { activityInterceptors } from './activity-interceptors.js';

/** Compiled path of the one workflows module; the worker bundles it (ESM, so resolved from import.meta.url). */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

/**
 * After the grace time, cancelled activities get this long to stop before the worker gives up on them and stops
 * anyway (their attempts then time out on the server): a stuck activity must not keep a stopping process alive.
 */
const CANCELLED_ACTIVITIES_MS = 5_000;

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Tests bundle the workflows once and share the bundle across workers. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * On shutdown, how long running activities may go on before they are cancelled (and retried elsewhere). Absent:
   * the SDK's default, cancel at once.
   */
  shutdownGraceMs?: number;
}

export function createWorker({
  connection,
  namespace,
  taskQueue,
  deps,
  workflowBundle,
  shutdownGraceMs,
}: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    activities: createActivities(deps),
    interceptors: { activity: [activityInterceptors] },
    ...(shutdownGraceMs !== undefined
      ? { shutdownGraceTime: shutdownGraceMs, shutdownForceTime: shutdownGraceMs + CANCELLED_ACTIVITIES_MS }
      : {}),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
