import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { CredentialsCipher } from '../db/credentials-cipher.js';
import type { VendorClients } from './vendor-clients.js';

/** Progress and change notifications; the API relays them to socket.io clients. */
export interface EventPublisher {
  publish(event: string, payload: Record<string, unknown>): Promise<void>;
}

/** Everything activities may touch, injected by the worker (and by tests) so no activity reaches for a global. */
export interface ActivityDeps {
  readonly orm: MikroORM;
  readonly events: EventPublisher;
  /** The dashboard cache's generation lives here: syncs that store records invalidate it (db/dashboard-generation.ts). */
  readonly redis: Redis;
  readonly credentials: CredentialsCipher;
  readonly vendors: VendorClients;
  /** The API's public URL, where vendors post status reports (Twilio's StatusCallback); absent, none are asked for. */
  readonly publicBaseUrl?: string;
}
