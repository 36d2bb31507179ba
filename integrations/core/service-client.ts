import type { ChangePage, Page, ResourceRecords, SyncResource } from './records.js';

export interface ListOptions {
  /** Opaque cursor from the previous page; absent for the first page. */
  cursor?: string;
  pageSize?: number;
}

export interface ChangeOptions extends ListOptions {
  /**
   * Where the last incremental pass ended (ISO time, CDC time, Calendar sync token, …), as returned in
   * `ChangePage.checkpoint`; absent on the first pass.
   */
  checkpoint?: string;
}

/**
 * The architecture's ServiceClient (§2), shaped for syncing: every read returns our record types one page at a
 * time, so activities can store page by page and resume from a cursor. Vendors implement the resources they have.
 */
export interface ServiceClient<R extends SyncResource = SyncResource> {
  readonly vendor: string;
  readonly resources: readonly R[];
  /** Cheap authenticated call proving the credentials work. */
  healthCheck(): Promise<boolean>;
  /** One page of a full listing of `resource`. */
  list<K extends R>(resource: K, options?: ListOptions): Promise<Page<ResourceRecords[K]>>;
  /** One page of what changed since `checkpoint` (throws `resync_required` when the vendor forgot it). */
  changes<K extends R>(resource: K, options?: ChangeOptions): Promise<ChangePage<ResourceRecords[K]>>;
  get<K extends R>(resource: K, externalId: string): Promise<ResourceRecords[K] | null>;
}
