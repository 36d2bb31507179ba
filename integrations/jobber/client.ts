import { isVendorError } from '../core/errors.js';
import type { ChangePage, ExternalCustomer, ExternalQuote, Page, ResourceRecords } from '../core/records.js';
import type { ChangeOptions, ListOptions, ServiceClient } from '../core/service-client.js';
import { staticTokenSource, type TokenSource } from '../core/tokens.js';
import { decodeState, encodeState, finishPass, foldPage, startPass } from './checkpoint.js';
import { JobberUserErrors, parseUserErrors, vendorError } from './errors.js';
import { createJobberWriteMutations, type JobberWriteMutations } from './mutations.js';
import { parseConnection, parseRecord } from './payloads.js';
import {
  ACCOUNT_QUERY,
  CLIENT_CREATE,
  CREATED_QUOTES,
  getQuery,
  JOBBER_RESOURCES,
  listQuery,
  QUOTE_CREATE,
  type JobberResource,
} from './queries.js';
import {
  createdQuotesFilter,
  lineItemsToRead,
  matchesQuote,
  parseQuotePage,
  type CreatedQuoteQuery,
} from './quote-lookup.js';
import { JOBBER_API_VERSION, JOBBER_GRAPHQL_URL, JobberTransport } from './transport.js';

export type { CreatedQuoteQuery } from './quote-lookup.js';
export { vendorUserErrors, type JobberUserError } from './errors.js';

export interface JobberClientOptions {
  /** Access tokens: a `TokenSource` (refreshes after a 401) or a fixed token. */
  tokens: TokenSource | string;
  /** Default: https://api.getjobber.com/api/graphql */
  graphqlUrl?: string;
  /** `X-JOBBER-GRAPHQL-VERSION`; default 2025-04-16. */
  apiVersion?: string;
  /** Relay `first`; Jobber's maximum (and our default) is 100. */
  pageSize?: number;
  /** Per request, in milliseconds; default 30 s. */
  timeoutMs?: number;
  /** How far before the newest `updatedAt` the next incremental pass starts (see checkpoint.ts); default 60 s. */
  checkpointOverlapMs?: number;
  /** Wait after Jobber's request-count 429, which has no Retry-After; default 30 s. */
  ddosRetryAfterMs?: number;
}

/** `clientCreate` input (Jobber's ClientCreateInput, the fields the sandbox serves). */
export interface JobberClientCreateInput {
  title?: string;
  firstName?: string;
  lastName?: string;
  companyName?: string;
  isCompany?: boolean;
  emails?: Array<{ address: string; description?: string; primary?: boolean }>;
  phones?: Array<{ number: string; description?: string; primary?: boolean; smsAllowed?: boolean }>;
  billingAddress?: {
    street1?: string;
    street2?: string;
    city?: string;
    province?: string;
    postalCode?: string;
    country?: string;
  };
}

/** `quoteCreate` attributes (Jobber's QuoteCreateAttributes); prices are Jobber Floats in dollars. */
export interface JobberQuoteCreateAttributes {
  clientId: string;
  propertyId?: string;
  title?: string;
  message?: string;
  lineItems: Array<{ name: string; description?: string; quantity: number; unitPrice: number }>;
  transitionQuoteTo?: 'AWAITING_RESPONSE';
}

/** The write-back's mutations (clientEdit, jobCreate, jobEdit) are in mutations.ts. */
export interface JobberClient extends ServiceClient<JobberResource>, JobberWriteMutations {
  /** The connected Jobber account. */
  account(): Promise<{ id: string; name: string }>;
  createClient(input: JobberClientCreateInput): Promise<ExternalCustomer>;
  /** Refused input comes back as `JobberUserErrors` (read them with `vendorUserErrors`); nothing is created. */
  createQuote(attributes: JobberQuoteCreateAttributes): Promise<ExternalQuote>;
  /**
   * The quote an earlier createQuote with these attributes made, found in Jobber's own list (quoteCreate has no
   * idempotency key); null if none. Throws `conflict` when there are too many candidates to read.
   */
  findCreatedQuote(query: CreatedQuoteQuery): Promise<ExternalQuote | null>;
}

export const MAX_PAGE_SIZE = 100;

/** Quotes per lookup page (each reads its line items too, which Jobber charges per item). */
const LOOKUP_PAGE_SIZE = 20;
/** Pages a lookup reads: a client rarely gets more than a few quotes between our attempts. */
const LOOKUP_MAX_PAGES = 10;

/** Jobber reports business-rule failures in the payload's `userErrors`, with HTTP 200 and no `errors[]`. */
function rejectUserErrors(operation: string, userErrors: unknown): void {
  const parsed = parseUserErrors(userErrors);
  if (parsed.length > 0) throw new JobberUserErrors(operation, parsed);
}

export function createJobberClient(options: JobberClientOptions): JobberClient {
  const tokens = typeof options.tokens === 'string' ? staticTokenSource(options.tokens) : options.tokens;
  const transport = new JobberTransport({
    graphqlUrl: options.graphqlUrl ?? JOBBER_GRAPHQL_URL,
    apiVersion: options.apiVersion ?? JOBBER_API_VERSION,
    timeoutMs: options.timeoutMs ?? 30_000,
    ddosRetryAfterMs: options.ddosRetryAfterMs ?? 30_000,
    tokens,
  });
  const overlapMs = options.checkpointOverlapMs ?? 60_000;
  const pageSizeOf = (requested?: number) =>
    Math.max(1, Math.min(MAX_PAGE_SIZE, requested ?? options.pageSize ?? MAX_PAGE_SIZE));

  async function fetchPage<K extends JobberResource>(
    resource: K,
    first: number,
    after: string | null,
    updatedAfter: string | null,
  ) {
    const data = await transport.request<{ page: unknown }>(listQuery(resource), {
      first,
      after,
      filter: updatedAfter === null ? null : { updatedAt: { after: updatedAfter } },
    });
    return parseConnection(resource, data?.page);
  }

  async function account(): Promise<{ id: string; name: string }> {
    const data = await transport.request<{ account?: { id?: unknown; name?: unknown } }>(ACCOUNT_QUERY);
    const { id, name } = data?.account ?? {};
    if (typeof id !== 'string' || typeof name !== 'string') {
      throw vendorError('transient', 'malformed Jobber payload: account');
    }
    return { id, name };
  }

  return {
    ...createJobberWriteMutations(transport),
    vendor: 'jobber',
    resources: JOBBER_RESOURCES,

    async healthCheck() {
      try {
        await account();
        return true;
      } catch (error) {
        if (isVendorError(error, 'auth_expired') || isVendorError(error, 'auth_revoked')) return false;
        throw error;
      }
    },

    account,

    async list<K extends JobberResource>(resource: K, list: ListOptions = {}): Promise<Page<ResourceRecords[K]>> {
      return fetchPage(resource, pageSizeOf(list.pageSize), list.cursor ?? null, null);
    },

    async changes<K extends JobberResource>(
      resource: K,
      change: ChangeOptions = {},
    ): Promise<ChangePage<ResourceRecords[K]>> {
      const state = change.cursor ? decodeState(change.cursor) : startPass(change.checkpoint);
      const page = await fetchPage(resource, pageSizeOf(change.pageSize), state.relay, state.from.after);
      const items = foldPage(state, page.items, overlapMs);
      if (page.nextCursor !== null) {
        state.relay = page.nextCursor;
        return { items, deletedIds: [], nextCursor: encodeState(state), checkpoint: null };
      }
      return { items, deletedIds: [], nextCursor: null, checkpoint: finishPass(state, overlapMs) };
    },

    async get<K extends JobberResource>(resource: K, externalId: string): Promise<ResourceRecords[K] | null> {
      try {
        const data = await transport.request<{ record: unknown }>(getQuery(resource), { id: externalId });
        return data?.record === null || data?.record === undefined ? null : parseRecord(resource, data.record);
      } catch (error) {
        // Jobber answers an unknown id with `null`; some versions add a NOT_FOUND error (sandbox option).
        if (isVendorError(error, 'not_found')) return null;
        throw error;
      }
    },

    async createClient(input) {
      const data = await transport.request<{ clientCreate: { client: unknown; userErrors: unknown } }>(CLIENT_CREATE, {
        input,
      });
      rejectUserErrors('clientCreate', data?.clientCreate?.userErrors);
      return parseRecord('customers', data?.clientCreate?.client);
    },

    async createQuote(attributes) {
      const data = await transport.request<{ quoteCreate: { quote: unknown; userErrors: unknown } }>(QUOTE_CREATE, {
        attributes,
      });
      rejectUserErrors('quoteCreate', data?.quoteCreate?.userErrors);
      return parseRecord('quotes', data?.quoteCreate?.quote);
    },

    async findCreatedQuote(query) {
      const filter = createdQuotesFilter(query);
      let after: string | null = null;
      for (let page = 0; page < LOOKUP_MAX_PAGES; page += 1) {
        const data: { page: unknown } = await transport.request(CREATED_QUOTES, {
          first: LOOKUP_PAGE_SIZE,
          after,
          filter,
          lineItems: lineItemsToRead(query),
        });
        const { nodes, nextCursor } = parseQuotePage(data?.page);
        const match = nodes.find((node) => matchesQuote(query, node));
        if (match) return parseRecord('quotes', match);
        if (nextCursor === null) return null;
        after = nextCursor;
      }
      // Not found in what we read is not proof of absence: creating it again could duplicate it.
      throw vendorError('conflict', `quote lookup gave up after ${LOOKUP_MAX_PAGES} pages of candidates`);
    },
  };
}
