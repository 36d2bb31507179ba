import { Client, Connection } from '@temporalio/client';

export interface TemporalHandles {
  readonly connection: Connection;
  readonly client: Client;
}

/** The API's single Temporal client; `close()` ends its gRPC channel. */
export async function connectTemporal(address: string, namespace: string): Promise<TemporalHandles> {
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }) };
}
