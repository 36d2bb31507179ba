import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { ConnectionSecrets } from '../../activities/vendor-clients.js';
import { createCredentialsCipher, type CredentialsCipher } from '../../db/credentials-cipher.js';
import { VendorConnection } from '../../db/entities/index.js';
import { migrateUp } from '../../db/migrator.js';
import { openOrm } from '../../db/orm.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { ensureSearchAttributes } from '../../temporal/search-attributes.js';
import { workflowsPath } from '../../worker/worker.js';
import type { RunningStack } from '../services/stack.js';
import { startThrowawayStack } from '../services/throwaway-stack.js';
import { countedJobberSimulator, type JobberTraffic } from './sync-jobber-traffic.js';
import type { BenchWorkerSettings } from './sync-worker-process.js';

/** The real services of one benchmark run: throwaway PostgreSQL, Redis and Temporal in a temp folder. */
export interface BenchServices {
  readonly stack: RunningStack;
  readonly orm: MikroORM;
  readonly temporal: Client;
  readonly cipher: CredentialsCipher;
  /** Everything a worker process needs but its task queue and page size. */
  readonly worker: Omit<BenchWorkerSettings, 'taskQueue' | 'pageSize'>;
  /** Empties the unified tables the sync writes and the sync log; connections stay. */
  truncateSyncedData(): Promise<void>;
  stop(): Promise<void>;
}

const NAMESPACE = 'default';

export async function startBenchServices(log: (line: string) => void): Promise<BenchServices> {
  // Like the tests: an existing Temporal (TEMPORAL_ADDRESS), e.g. a dev server started with other dynamic config.
  const throwaway = await startThrowawayStack(
    'business_dashboard_bench',
    { temporalAddress: process.env.TEMPORAL_ADDRESS },
    log,
  );
  const { stack, secrets, dataDir } = throwaway;
  const stopAll: Array<() => Promise<unknown>> = [() => throwaway.stop()];
  const stop = async () => {
    for (const step of stopAll.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const orm = await openOrm(stack.databaseUrl);
    stopAll.push(() => orm.close());
    await migrateUp(orm);
    const connection = await Connection.connect({ address: stack.temporalAddress });
    stopAll.push(() => connection.close());
    await ensureSearchAttributes(connection, NAMESPACE);
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    const workflowBundlePath = join(dataDir, 'workflow-bundle.js');
    writeFileSync(workflowBundlePath, bundle.code);
    return {
      stack,
      orm,
      temporal: new Client({ connection, namespace: NAMESPACE }),
      cipher: createCredentialsCipher(secrets.credentialsKey),
      worker: {
        databaseUrl: stack.databaseUrl,
        redisUrl: stack.redisUrl,
        temporalAddress: stack.temporalAddress,
        namespace: NAMESPACE,
        credentialsKey: secrets.credentialsKey,
        workflowBundlePath,
      },
      async truncateSyncedData() {
        // Cascade reaches what hangs off clients and jobs (quotes, invoices, notes); connections and users stay.
        await orm.em.getConnection().execute('truncate table "jobs", "clients", "sync_log" restart identity cascade');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A Jobber sandbox of `customers` customers (about five jobs each), GraphQL traffic counted, rate limits off. */
export async function startJobberSandbox(customers: number, traffic: JobberTraffic): Promise<RunningSandbox> {
  const running = await startSandbox({ factories: [countedJobberSimulator(traffic)], port: 0, scale: customers });
  running.sandbox.settings.rateLimits = false;
  return running;
}

/** Stores a Jobber connection to this sandbox, the way the app stores a real one after OAuth. */
export async function connectJobber(services: BenchServices, running: RunningSandbox) {
  const reply = await fetch(`${running.controlUrl}/_sandbox`);
  const jobber = ((await reply.json()) as { vendors: Record<string, Record<string, string>> }).vendors.jobber!;
  const secrets: ConnectionSecrets = {
    accessToken: jobber.accessToken!,
    refreshToken: jobber.refreshToken!,
    oauth: { clientId: jobber.clientId!, clientSecret: jobber.clientSecret!, tokenUrl: jobber.tokenUrl! },
    endpoints: { graphqlUrl: jobber.graphqlUrl! },
  };
  const em = services.orm.em.fork();
  // Every sandbox serves the same account id: the previous sandbox's connection gives way (one per account).
  await em.nativeDelete(VendorConnection, { vendor: 'jobber', externalAccountId: jobber.accountId! });
  const row = em.create(VendorConnection, {
    vendor: 'jobber',
    externalAccountId: jobber.accountId!,
    credentialsEncrypted: services.cipher.encrypt(secrets),
  });
  await em.flush();
  return { id: row.id, vendor: row.vendor };
}
