import { vendorError } from './errors.js';

/*
 * Finding a quote we created again. Jobber's quoteCreate takes no idempotency key, so after a crash between
 * Jobber's answer and our commit the only proof is Jobber's own list: the client's quotes created since the send
 * began whose title and line items (name, quantity, unit price, in order) are the ones we asked for.
 */

export interface CreatedQuoteQuery {
  clientId: string;
  title?: string | null;
  lineItems: ReadonlyArray<{ name: string; quantity: number; unitPrice: number }>;
  /** When our first attempt started: the quote cannot be older. */
  notBefore: Date;
}

/** Jobber's largest connection page (vendor-facts §1.2). */
const MAX_FIRST = 100;

type Json = Record<string, unknown>;
const object = (value: unknown): Json | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;

function malformed(what: string): never {
  throw vendorError('transient', `malformed Jobber payload: ${what}`);
}

/** Jobber prints times in whole seconds: compare from the start of notBefore's second. */
const secondOf = (date: Date) => Math.floor(date.getTime() / 1000) * 1000;

/** Line items to read per quote: one more than ours, so an extra item shows up as `hasNextPage`. */
export function lineItemsToRead(query: CreatedQuoteQuery): number {
  return Math.min(query.lineItems.length + 1, MAX_FIRST);
}

/**
 * The filter for CREATED_QUOTES. `createdAt.after` is a second earlier than notBefore's second: whether Jobber's
 * bound is inclusive is not documented, and the exact comparison happens in `matchesQuote` anyway.
 */
export function createdQuotesFilter(query: CreatedQuoteQuery): Json {
  const after = new Date(secondOf(query.notBefore) - 1000).toISOString().replace(/\.000Z$/, 'Z');
  return { clientId: query.clientId, createdAt: { after } };
}

const sameText = (a: unknown, b: string | null | undefined) =>
  (typeof a === 'string' ? a : '').trim() === (b ?? '').trim();
/** Quantities are Floats: equal to a millionth. Prices are money: equal in cents. */
const sameQuantity = (a: unknown, b: number) => typeof a === 'number' && Math.abs(a - b) < 1e-6;
const sameCents = (a: unknown, b: number) => typeof a === 'number' && Math.round(a * 100) === Math.round(b * 100);

/** Whether a CREATED_QUOTES node is the quote `query` describes. */
export function matchesQuote(query: CreatedQuoteQuery, node: Json): boolean {
  const createdAt = typeof node.createdAt === 'string' ? Date.parse(node.createdAt) : NaN;
  if (Number.isNaN(createdAt)) malformed('quote createdAt');
  if (createdAt < secondOf(query.notBefore) || !sameText(node.title, query.title)) return false;
  const items = object(node.lineItems);
  const read: unknown = items?.nodes;
  if (!items || !Array.isArray(read)) malformed('quote lineItems');
  const compared = query.lineItems.slice(0, MAX_FIRST);
  const hasMore = object(items.pageInfo)?.hasNextPage === true;
  if (read.length !== compared.length || hasMore !== query.lineItems.length > MAX_FIRST) return false;
  return compared.every((wanted, index) => {
    const item = object(read[index]) ?? {};
    return (
      sameText(item.name, wanted.name) &&
      sameQuantity(item.quantity, wanted.quantity) &&
      sameCents(item.unitPrice, wanted.unitPrice)
    );
  });
}

/** A CREATED_QUOTES page: its raw nodes and the cursor of the next page (null at the end). */
export function parseQuotePage(value: unknown): { nodes: Json[]; nextCursor: string | null } {
  const connection = object(value) ?? malformed('quotes connection is missing');
  const pageInfo = object(connection.pageInfo) ?? malformed('pageInfo is missing');
  if (!Array.isArray(connection.nodes)) malformed('nodes is not a list');
  const nodes = connection.nodes.map((node) => object(node) ?? malformed('quote node is not an object'));
  const endCursor = typeof pageInfo.endCursor === 'string' ? pageInfo.endCursor : null;
  if (pageInfo.hasNextPage === true && endCursor === null) malformed('hasNextPage without endCursor');
  return { nodes, nextCursor: pageInfo.hasNextPage === true ? endCursor : null };
}
