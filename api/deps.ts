import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import type { Realtime } from './realtime/io.js';

/** Everything the API needs from outside, built once by `server.ts` (or by a test) and passed in. */
export interface AppDeps {
  readonly config: Config;
  readonly orm: MikroORM;
  readonly redis: Redis;
  readonly temporal: {
    readonly client: Client;
    readonly connection: Connection;
    /**
     * Optional second connection without the SDK's gRPC retry interceptor, used only by /readyz. Through
     * `connection`, a probe made while Temporal is down leaves a retry timer behind, and if the connection is
     * closed before that timer fires the SDK throws "Channel has been shut down" from it, uncaught.
     */
    readonly probeConnection?: Connection;
  };
  readonly logger: Logger;
  /** socket.io: events the API produces itself, and ending a session's sockets (api/realtime/io.ts). */
  readonly realtime: Realtime;
}
