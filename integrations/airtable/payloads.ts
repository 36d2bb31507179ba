import type { ExternalAddress, ExternalCustomer, ExternalJob } from '../core/records.js';
import { malformed } from './errors.js';

/*
 * Airtable records in our terms. Fields are read by name, as the base names them (the sandbox's Clients and Jobs
 * tables); Airtable leaves empty cells out of `fields`, so every field is optional and a missing one becomes null.
 */

/** One record as the list and get endpoints return it: `{ id: "rec…", createdTime, fields }`. */
export interface AirtableRecord {
  id: string;
  createdTime: string;
  fields: Record<string, unknown>;
}

export interface AirtableListReply {
  records: AirtableRecord[];
  /** Present while there are more pages; sent back as `offset`. */
  offset?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseRecord(value: unknown): AirtableRecord {
  if (!isObject(value) || typeof value.id !== 'string' || typeof value.createdTime !== 'string') {
    throw malformed('record without id or createdTime');
  }
  return { id: value.id, createdTime: value.createdTime, fields: isObject(value.fields) ? value.fields : {} };
}

export function parseListReply(body: unknown): AirtableListReply {
  if (!isObject(body) || !Array.isArray(body.records)) throw malformed('list reply without records');
  if (body.offset !== undefined && typeof body.offset !== 'string') throw malformed('offset is not a string');
  return {
    records: body.records.map(parseRecord),
    ...(typeof body.offset === 'string' && body.offset !== '' ? { offset: body.offset } : {}),
  };
}

const text = (fields: Record<string, unknown>, name: string): string | null => {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

const number = (fields: Record<string, unknown>, name: string): number | null => {
  const value = fields[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/** A time cell (dateTime, lastModifiedTime) as ISO-8601; null when absent or unreadable. */
const time = (fields: Record<string, unknown>, name: string): string | null => {
  const value = text(fields, name);
  const at = value === null ? NaN : Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
};

/** Currency cells are numbers in the currency's units (dollars): as a decimal string with 2 decimals. */
export function money(amount: number): string {
  const cents = Math.round(amount * 100);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The record's modification time: the table's lastModifiedTime field ("Last Modified" in the sandbox base) when it
 * has one, else its creation time (a base without such a field tells nothing better through the list API).
 */
function updatedAt(record: AirtableRecord, lastModifiedField: string): string {
  return time(record.fields, lastModifiedField) ?? new Date(record.createdTime).toISOString();
}

function address(fields: Record<string, unknown>): ExternalAddress | null {
  const parts: ExternalAddress = {
    street1: text(fields, 'Address'),
    city: text(fields, 'City'),
    province: text(fields, 'State'),
    postalCode: text(fields, 'Postal Code'),
    country: text(fields, 'Country'),
  };
  return Object.values(parts).some((part) => part !== null) ? parts : null;
}

/** A row of the Clients table. Airtable has no archived state: a row that exists is active. */
export function parseCustomer(record: AirtableRecord, lastModifiedField = 'Last Modified'): ExternalCustomer {
  const { fields } = record;
  const firstName = text(fields, 'First Name');
  const lastName = text(fields, 'Last Name');
  const companyName = text(fields, 'Company');
  const email = text(fields, 'Email');
  const joined = [firstName, lastName].filter((part) => part !== null).join(' ');
  return {
    externalId: record.id,
    firstName,
    lastName,
    companyName,
    // Name is the table's primary field; the fallbacks only matter for rows someone left half-filled.
    displayName: text(fields, 'Name') ?? (joined || companyName || email || ''),
    email,
    phone: text(fields, 'Phone'),
    address: address(fields),
    updatedAt: updatedAt(record, lastModifiedField),
    active: true,
  };
}

/** A row of the Jobs table; `Client` is a link field (an array of Clients record ids), the first one is the customer. */
export function parseJob(record: AirtableRecord, lastModifiedField = 'Last Modified'): ExternalJob {
  const { fields } = record;
  const client = Array.isArray(fields.Client) ? fields.Client.find((id) => typeof id === 'string') : undefined;
  const jobNumber = number(fields, 'Job Number');
  const total = number(fields, 'Total');
  return {
    externalId: record.id,
    customerExternalId: typeof client === 'string' ? client : null,
    jobNumber: jobNumber === null ? null : String(jobNumber),
    title: text(fields, 'Title') ?? '',
    status: text(fields, 'Status') ?? '',
    total: total === null ? null : money(total),
    startAt: time(fields, 'Start'),
    endAt: time(fields, 'End'),
    updatedAt: updatedAt(record, lastModifiedField),
  };
}
