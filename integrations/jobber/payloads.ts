import type {
  ExternalAddress,
  ExternalCustomer,
  ExternalInvoice,
  ExternalJob,
  ExternalQuote,
  ResourceRecords,
} from '../core/records.js';
import { vendorError } from './errors.js';
import type { JobberResource } from './queries.js';

/*
 * Jobber payloads (the selections in queries.ts) → our record types. Values stay Jobber's own: statuses are its
 * enum values lower-cased (`REQUIRES_INVOICING` → `requires_invoicing`), money its Float printed with 2 decimals.
 * A payload missing a required field is a malformed reply (transient), not a crash.
 */

type Json = Record<string, unknown>;

function malformed(what: string): never {
  throw vendorError('transient', `malformed Jobber payload: ${what}`);
}

function text(node: Json, field: string): string {
  const value = node[field];
  return typeof value === 'string' ? value : malformed(`${field} is not a string`);
}

function optionalText(node: Json, field: string): string | null {
  const value = node[field];
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : malformed(`${field} is not a string`);
}

/** Jobber sends "" for an absent first/last name; ours is null. */
const blankToNull = (value: string | null) => (value === null || value.trim() === '' ? null : value);

function time(node: Json, field: string): string | null {
  const value = optionalText(node, field);
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? malformed(`${field} is not an ISO-8601 time`) : new Date(ms).toISOString();
}

const requiredTime = (node: Json, field: string) => time(node, field) ?? malformed(`${field} is missing`);

/** Jobber money is a Float in dollars; ours is a decimal string, rounded to cents without float drift. */
export function money(value: unknown, field: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return malformed(`${field} is not a number`);
  const cents = Math.round(value * 100);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const object = (value: unknown): Json | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;

const status = (node: Json, field: string) => text(node, field).toLowerCase();

const ownerId = (node: Json) => {
  const client = object(node.client);
  return client ? text(client, 'id') : null;
};

/** The primary entry of Jobber's emails/phones list, else the first. */
function primary(list: unknown, field: string): string | null {
  if (!Array.isArray(list)) return null;
  const entries = list.map(object).filter((entry): entry is Json => entry !== null);
  const chosen = entries.find((entry) => entry.primary === true) ?? entries[0];
  return chosen ? optionalText(chosen, field) : null;
}

function address(value: unknown): ExternalAddress | null {
  const node = object(value);
  if (!node) return null;
  const parsed = {
    street1: blankToNull(optionalText(node, 'street1')),
    city: blankToNull(optionalText(node, 'city')),
    province: blankToNull(optionalText(node, 'province')),
    postalCode: blankToNull(optionalText(node, 'postalCode')),
    country: blankToNull(optionalText(node, 'country')),
  };
  return Object.values(parsed).every((part) => part === null) ? null : parsed;
}

export function parseClient(node: Json): ExternalCustomer {
  return {
    externalId: text(node, 'id'),
    firstName: blankToNull(optionalText(node, 'firstName')),
    lastName: blankToNull(optionalText(node, 'lastName')),
    companyName: blankToNull(optionalText(node, 'companyName')),
    displayName: text(node, 'name'),
    email: primary(node.emails, 'address'),
    phone: primary(node.phones, 'number'),
    address: address(node.billingAddress),
    updatedAt: requiredTime(node, 'updatedAt'),
    active: node.isArchived !== true,
  };
}

export function parseJob(node: Json): ExternalJob {
  const jobNumber = node.jobNumber;
  return {
    externalId: text(node, 'id'),
    customerExternalId: ownerId(node),
    jobNumber: jobNumber === null || jobNumber === undefined ? null : String(jobNumber),
    title: optionalText(node, 'title') ?? '',
    status: status(node, 'jobStatus'),
    total: node.total === null || node.total === undefined ? null : money(node.total, 'total'),
    startAt: time(node, 'startAt'),
    endAt: time(node, 'endAt'),
    updatedAt: requiredTime(node, 'updatedAt'),
  };
}

export function parseQuote(node: Json): ExternalQuote {
  const amounts = object(node.amounts);
  return {
    externalId: text(node, 'id'),
    customerExternalId: ownerId(node),
    quoteNumber: optionalText(node, 'quoteNumber'),
    title: optionalText(node, 'title'),
    status: status(node, 'quoteStatus'),
    total: amounts ? money(amounts.total, 'amounts.total') : null,
    updatedAt: requiredTime(node, 'updatedAt'),
  };
}

export function parseInvoice(node: Json): ExternalInvoice {
  const amounts = object(node.amounts) ?? malformed('amounts is missing');
  return {
    externalId: text(node, 'id'),
    customerExternalId: ownerId(node),
    // Our selection has no job link: the sandbox schema has no Invoice.jobs (real Jobber has a connection).
    jobExternalId: null,
    invoiceNumber: optionalText(node, 'invoiceNumber'),
    status: status(node, 'invoiceStatus'),
    total: money(amounts.total, 'amounts.total'),
    balance:
      amounts.invoiceBalance === null || amounts.invoiceBalance === undefined
        ? null
        : money(amounts.invoiceBalance, 'amounts.invoiceBalance'),
    issuedAt: time(node, 'issuedDate'),
    dueAt: time(node, 'dueDate'),
    updatedAt: requiredTime(node, 'updatedAt'),
  };
}

/** Jobber's resources and their record types (the same as `ResourceRecords` for these keys). */
export type JobberRecords = Pick<ResourceRecords, JobberResource>;

const PARSERS: { [K in JobberResource]: (node: Json) => JobberRecords[K] } = {
  customers: parseClient,
  jobs: parseJob,
  quotes: parseQuote,
  invoices: parseInvoice,
};

export function parseRecord<K extends JobberResource>(resource: K, value: unknown): ResourceRecords[K] {
  const node = object(value) ?? malformed(`${resource} node is not an object`);
  return PARSERS[resource](node) as ResourceRecords[K];
}

/** A Relay connection as our page: parsed nodes plus `endCursor` when there is a next page. */
export function parseConnection<K extends JobberResource>(
  resource: K,
  value: unknown,
): { items: ResourceRecords[K][]; nextCursor: string | null } {
  const connection = object(value) ?? malformed(`${resource} connection is missing`);
  const pageInfo = object(connection.pageInfo) ?? malformed('pageInfo is missing');
  if (!Array.isArray(connection.nodes)) malformed('nodes is not a list');
  const items = (connection.nodes as unknown[]).map((node) => parseRecord(resource, node));
  const endCursor = optionalText(pageInfo, 'endCursor');
  if (pageInfo.hasNextPage === true && endCursor === null) malformed('hasNextPage without endCursor');
  return { items, nextCursor: pageInfo.hasNextPage === true ? endCursor : null };
}
