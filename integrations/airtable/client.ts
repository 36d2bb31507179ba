import Airtable from 'airtable';
import { isVendorError, VendorError } from '../core/errors.js';
import type { ChangePage, Page, ResourceRecords } from '../core/records.js';
import type { ChangeOptions, ListOptions, ServiceClient } from '../core/service-client.js';
import { staticTokenSource, withFreshToken, type TokenSource } from '../core/tokens.js';
import { decodeChangeCursor, encodeChangeCursor, isoTime, modifiedAfter } from './change-cursor.js';
import { RATE_LIMIT_PENALTY_MS, toVendorError, VENDOR } from './errors.js';
import { parseCustomer, parseJob, parseListReply, parseRecord, type AirtableRecord } from './payloads.js';

export type AirtableResource = 'customers' | 'jobs';

export interface AirtableClientOptions {
  /** The base (`app…`) the connection syncs. */
  baseId: string;
  /** OAuth tokens through a TokenSource, or a personal access token (`pat…`). */
  tokens: TokenSource | string;
  /** Default `https://api.airtable.com`; the sandbox's `endpointUrl` in tests. */
  endpointUrl?: string;
  /** Table name or id per resource; default `Clients` and `Jobs`. */
  tables?: Partial<Record<AirtableResource, string>>;
  /** The tables' lastModifiedTime field, read as `updatedAt` (default `Last Modified`). */
  lastModifiedField?: string;
  /** Records per page, at most Airtable's 100 (default 100). */
  pageSize?: number;
  /** Per-request timeout (airtable.js `requestTimeout`; its default is 300 s). Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * How far before the pass start the next incremental pass looks back (default 60 s). The checkpoint is our
   * clock's time when a pass starts, but LAST_MODIFIED_TIME() is stamped by Airtable's clock, and a write in flight
   * when the pass starts may be stamped before that time yet not be visible to the listing: the overlap covers
   * both. It costs re-reading the records changed in that window, which the upserts downstream absorb.
   */
  changeOverlapMs?: number;
  /** Reported as `retryAfterMs` on a 429 (Airtable's documented 30 s penalty). */
  rateLimitPenaltyMs?: number;
  now?: () => number;
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_TABLES: Record<AirtableResource, string> = { customers: 'Clients', jobs: 'Jobs' };

/** airtable.js's base functor (what `new Airtable(…).base(id)` returns). */
type SdkBase = ReturnType<Airtable['base']>;

export function createAirtableClient(options: AirtableClientOptions): ServiceClient<AirtableResource> {
  const tokens = typeof options.tokens === 'string' ? staticTokenSource(options.tokens) : options.tokens;
  const endpointUrl = (options.endpointUrl ?? 'https://api.airtable.com').replace(/\/+$/, '');
  const tables = { ...DEFAULT_TABLES, ...options.tables };
  const lastModifiedField = options.lastModifiedField ?? 'Last Modified';
  const penaltyMs = options.rateLimitPenaltyMs ?? RATE_LIMIT_PENALTY_MS;
  const overlapMs = options.changeOverlapMs ?? 60_000;
  const now = options.now ?? Date.now;

  const parsers: { [K in AirtableResource]: (record: AirtableRecord) => ResourceRecords[K] } = {
    customers: (record) => parseCustomer(record, lastModifiedField),
    jobs: (record) => parseJob(record, lastModifiedField),
  };

  const tableOf = (resource: AirtableResource): string => {
    if (!Object.hasOwn(tables, resource))
      throw new VendorError(VENDOR, 'validation', `no such resource: ${String(resource)}`);
    return tables[resource];
  };
  const parse = <K extends AirtableResource>(resource: K, record: AirtableRecord) =>
    parsers[resource](record) as ResourceRecords[K];
  const pageSizeOf = (requested?: number) =>
    Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(requested ?? options.pageSize ?? MAX_PAGE_SIZE)));

  /**
   * One SDK call with the current token: a new Airtable instance per call (the token may have been refreshed),
   * the SDK's own 429 retries off (the workflow engine retries), failures mapped once; a 401 refreshes once.
   */
  const call = <T>(run: (base: SdkBase) => Promise<T>): Promise<T> =>
    withFreshToken(
      tokens,
      (error) => isVendorError(error, 'auth_expired'),
      async (apiKey) => {
        const airtable = new Airtable({
          apiKey,
          endpointUrl,
          noRetryIfRateLimited: true,
          requestTimeout: options.requestTimeoutMs ?? 30_000,
        });
        try {
          return await run(airtable.base(options.baseId));
        } catch (error) {
          throw toVendorError(error, penaltyMs);
        }
      },
    );

  /** `GET /v0/{base}/{table}`: makeRequest rather than `select()`, whose `offset` must be a number (airtable.js). */
  const listRecords = (table: string, qs: Record<string, string | number>) =>
    call(async (base) => {
      const reply = await base.makeRequest({ method: 'GET', path: `/${encodeURIComponent(table)}`, qs });
      return parseListReply(reply.body);
    });

  return {
    vendor: VENDOR,
    resources: ['customers', 'jobs'],

    async healthCheck() {
      try {
        await listRecords(tableOf('customers'), { pageSize: 1 });
        return true;
      } catch (error) {
        if (isVendorError(error, 'auth_expired') || isVendorError(error, 'auth_revoked')) return false;
        throw error;
      }
    },

    async list<K extends AirtableResource>(resource: K, list: ListOptions = {}): Promise<Page<ResourceRecords[K]>> {
      const reply = await listRecords(tableOf(resource), {
        pageSize: pageSizeOf(list.pageSize),
        ...(list.cursor ? { offset: list.cursor } : {}),
      });
      return { items: reply.records.map((record) => parse(resource, record)), nextCursor: reply.offset ?? null };
    },

    async changes<K extends AirtableResource>(
      resource: K,
      change: ChangeOptions = {},
    ): Promise<ChangePage<ResourceRecords[K]>> {
      const table = tableOf(resource);
      const cursor = change.cursor
        ? decodeChangeCursor(change.cursor)
        : {
            offset: null,
            since: change.checkpoint ? isoTime(change.checkpoint) : null,
            next: new Date(now() - overlapMs).toISOString(),
          };
      const reply = await listRecords(table, {
        pageSize: pageSizeOf(change.pageSize),
        ...(cursor.since ? { filterByFormula: modifiedAfter(cursor.since) } : {}),
        ...(cursor.offset ? { offset: cursor.offset } : {}),
      });
      const nextCursor = reply.offset
        ? encodeChangeCursor({ offset: reply.offset, since: cursor.since, next: cursor.next })
        : null;
      return {
        items: reply.records.map((record) => parse(resource, record)),
        // Airtable's listing does not report deletions; the workflow reconciles them on full syncs.
        deletedIds: [],
        nextCursor,
        checkpoint: nextCursor ? null : cursor.next,
      };
    },

    async get<K extends AirtableResource>(resource: K, externalId: string): Promise<ResourceRecords[K] | null> {
      const table = tableOf(resource);
      try {
        const record = await call(async (base) => {
          const path = `/${encodeURIComponent(table)}/${encodeURIComponent(externalId)}`;
          return parseRecord((await base.makeRequest({ method: 'GET', path })).body);
        });
        return parse(resource, record);
      } catch (error) {
        if (isVendorError(error, 'not_found')) return null;
        throw error;
      }
    },
  };
}
