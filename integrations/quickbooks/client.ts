import { isVendorError, VendorError } from '../core/errors.js';
import type { ChangePage, Page, ResourceRecords } from '../core/records.js';
import type { ChangeOptions, ListOptions, ServiceClient } from '../core/service-client.js';
import { staticTokenSource, withFreshToken, type TokenSource } from '../core/tokens.js';
import { malformed, toVendorError, VENDOR } from './errors.js';
import { idOf, type QboEntity } from './payloads.js';
import { pageCriteria, QUICKBOOKS_RESOURCES, RESOURCE_SPECS, type QuickbooksResource } from './resources.js';
import { callSdk, sdkFor, type QuickBooksInstance, type SdkConnection } from './sdk.js';

export { QUICKBOOKS_RESOURCES, type QuickbooksResource } from './resources.js';

export const QUICKBOOKS_V3_ENDPOINT = 'https://quickbooks.api.intuit.com/v3/company/';
/** Query page size maximum (vendor-facts §2.3). */
export const MAX_PAGE_SIZE = 1000;

const DAY_MS = 86_400_000;
/** Checkpoints this close to the 30-day CDC limit count as too old: our clock and Intuit's may differ. */
const LOOKBACK_MARGIN_MS = 3_600_000;

export interface QuickbooksClientOptions {
  /** The company (QBO "realmId") of the connection. */
  realmId: string;
  /** Access tokens; a plain string is a fixed token (tests, scripts). */
  tokens: TokenSource | string;
  /** Base of the accounting API, ending in `/v3/company/`; default Intuit production. */
  v3EndpointBaseUrl?: string;
  /** The Intuit app's keys; node-quickbooks carries them but OAuth 2.0 API calls do not need them. */
  clientId?: string;
  clientSecret?: string;
  /** Default page size of `list` (at most 1000, the default). */
  pageSize?: number;
  /** Per request; default 30 s. */
  requestTimeoutMs?: number;
  minorVersion?: number;
  /** CDC look-back limit (30 days) and objects per CDC reply (1000). */
  cdcLookbackDays?: number;
  cdcMaxObjects?: number;
  now?: () => number;
}

export interface QuickbooksClient extends ServiceClient<QuickbooksResource> {
  /** The company's name (CompanyInfo), e.g. for a connection's display name. */
  companyName(): Promise<string | null>;
}

function row(value: unknown): QboEntity | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as QboEntity) : undefined;
}

function entitiesIn(group: unknown, entity: string): QboEntity[] {
  const list = row(group)?.[entity];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw malformed(`${entity} is not a list`);
  return list.map((item) => row(item) ?? {});
}

function clampPageSize(size: number | undefined, fallback: number): number {
  const wanted = size ?? fallback;
  if (!Number.isInteger(wanted) || wanted < 1) throw new VendorError(VENDOR, 'validation', `bad page size ${wanted}`);
  return Math.min(wanted, MAX_PAGE_SIZE);
}

/** `list` cursors are the next STARTPOSITION (1-based). */
function startOf(cursor: string | undefined): number {
  if (cursor === undefined) return 1;
  const start = Number(cursor);
  if (!Number.isInteger(start) || start < 1) throw new VendorError(VENDOR, 'validation', `bad cursor ${cursor}`);
  return start;
}

export function createQuickbooksClient(options: QuickbooksClientOptions): QuickbooksClient {
  const endpoint = options.v3EndpointBaseUrl ?? QUICKBOOKS_V3_ENDPOINT;
  if (!endpoint.endsWith('/v3/company/')) throw new Error(`v3EndpointBaseUrl must end in /v3/company/: ${endpoint}`);
  const connection: SdkConnection = {
    clientId: options.clientId ?? '',
    clientSecret: options.clientSecret ?? '',
    realmId: options.realmId,
    endpoint,
    minorVersion: options.minorVersion ?? 75,
  };
  const tokens = typeof options.tokens === 'string' ? staticTokenSource(options.tokens) : options.tokens;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const defaultPageSize = clampPageSize(options.pageSize, MAX_PAGE_SIZE);
  const lookbackMs = (options.cdcLookbackDays ?? 30) * DAY_MS - LOOKBACK_MARGIN_MS;
  const cdcMaxObjects = options.cdcMaxObjects ?? 1000;
  const now = options.now ?? Date.now;

  /** One SDK call with the current token; a 401 refreshes once and retries (withFreshToken). */
  function call(method: keyof QuickBooksInstance, ...args: unknown[]): Promise<unknown> {
    return withFreshToken(
      tokens,
      (error) => isVendorError(error, 'auth_expired'),
      async (token) => {
        const qbo = sdkFor(connection, token);
        const fn = qbo[method] as (...params: unknown[]) => void;
        try {
          return await callSdk(timeoutMs, (callback) => fn.call(qbo, ...args, callback));
        } catch (error) {
          throw toVendorError(error);
        }
      },
    );
  }

  async function list<K extends QuickbooksResource>(
    resource: K,
    listOptions: ListOptions = {},
  ): Promise<Page<ResourceRecords[K]>> {
    const spec = RESOURCE_SPECS[resource];
    const start = startOf(listOptions.cursor);
    const size = clampPageSize(listOptions.pageSize, defaultPageSize);
    const reply = row(await call(spec.find, pageCriteria(spec.hasActive, start, size)));
    const found = row(reply?.QueryResponse);
    if (!found) throw malformed('no QueryResponse');
    const entities = entitiesIn(found, spec.entity);
    return {
      items: entities.map((entity) => spec.parse(entity) as ResourceRecords[K]),
      // A full page may be the last one; the next request then comes back empty.
      nextCursor: entities.length === size ? String(start + size) : null,
    };
  }

  async function changes<K extends QuickbooksResource>(
    resource: K,
    changeOptions: ChangeOptions = {},
  ): Promise<ChangePage<ResourceRecords[K]>> {
    const spec = RESOURCE_SPECS[resource];
    const startedAt = now();
    // No checkpoint: nothing to report yet; the pass start is where the next pass begins (take it before a full
    // listing, so that changes made during the listing are picked up by the next pass).
    if (changeOptions.checkpoint === undefined) {
      return { items: [], deletedIds: [], nextCursor: null, checkpoint: new Date(startedAt).toISOString() };
    }
    const since = Date.parse(changeOptions.checkpoint);
    if (Number.isNaN(since)) throw new VendorError(VENDOR, 'validation', `bad checkpoint ${changeOptions.checkpoint}`);
    if (since < startedAt - lookbackMs) {
      throw new VendorError(
        VENDOR,
        'resync_required',
        `checkpoint ${changeOptions.checkpoint} is past CDC's look-back`,
      );
    }
    const reply = row(await call('changeDataCapture', [spec.entity], new Date(since).toISOString()));
    const groups = reply?.CDCResponse;
    if (!Array.isArray(groups)) throw malformed('no CDCResponse');
    const items: ResourceRecords[K][] = [];
    const deletedIds: string[] = [];
    let count = 0;
    for (const response of groups) {
      const queries = row(response)?.QueryResponse;
      for (const group of Array.isArray(queries) ? queries : []) {
        for (const entity of entitiesIn(group, spec.entity)) {
          count += 1;
          if (entity.status === 'Deleted') deletedIds.push(idOf(entity));
          else items.push(spec.parse(entity) as ResourceRecords[K]);
        }
      }
    }
    // CDC has no paging: a reply at the cap may have dropped changes, so only a full listing is safe.
    if (count >= cdcMaxObjects) {
      throw new VendorError(VENDOR, 'resync_required', `CDC reply hit its ${cdcMaxObjects}-object cap`);
    }
    // Intuit's clock when it answered, if earlier than ours, guards against our clock running ahead.
    const vendorTime = typeof reply?.time === 'string' ? Date.parse(reply.time) : Number.NaN;
    const checkpoint = Number.isNaN(vendorTime) ? startedAt : Math.min(startedAt, vendorTime);
    return { items, deletedIds, nextCursor: null, checkpoint: new Date(checkpoint).toISOString() };
  }

  async function get<K extends QuickbooksResource>(
    resource: K,
    externalId: string,
  ): Promise<ResourceRecords[K] | null> {
    const spec = RESOURCE_SPECS[resource];
    try {
      const entity = row(await call(spec.read, encodeURIComponent(externalId)));
      if (!entity || entity.Id === undefined) throw malformed(`no ${spec.entity} in the reply`);
      return spec.parse(entity) as ResourceRecords[K];
    } catch (error) {
      if (isVendorError(error, 'not_found')) return null;
      throw error;
    }
  }

  async function companyInfo(): Promise<QboEntity> {
    const info = row(await call('getCompanyInfo', connection.realmId));
    if (!info) throw malformed('no CompanyInfo');
    return info;
  }

  return {
    vendor: VENDOR,
    resources: QUICKBOOKS_RESOURCES,
    async healthCheck() {
      try {
        await companyInfo();
        return true;
      } catch (error) {
        if (isVendorError(error, 'auth_expired') || isVendorError(error, 'auth_revoked')) return false;
        throw error;
      }
    },
    list,
    changes,
    get,
    async companyName() {
      const name = (await companyInfo()).CompanyName;
      return typeof name === 'string' ? name : null;
    },
  };
}
