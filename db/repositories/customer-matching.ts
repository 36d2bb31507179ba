import type { ExternalAddress, ExternalCustomer } from '../../integrations/core/records.js';
import type { PostalAddress } from '../entities/client.js';
import type { Vendor } from '../entities/enums.js';

/*
 * Pure rules of the customer matcher: match keys and field precedence. The SQL side lives in
 * vendor-records-customers.ts; the key functions here mirror EMAIL_KEY_SQL and PHONE_KEY_SQL of db/entities/client.ts.
 */

/** The vendors that keep customers, highest precedence first: Jobber is the field-service system of record. */
export const CUSTOMER_VENDORS = ['jobber', 'quickbooks', 'airtable'] as const satisfies readonly Vendor[];
export type CustomerVendor = (typeof CUSTOMER_VENDORS)[number];

export function isCustomerVendor(vendor: Vendor): vendor is CustomerVendor {
  return (CUSTOMER_VENDORS as readonly Vendor[]).includes(vendor);
}

/** The clients column holding each vendor's customer id, and the one holding when its sync last saw the row. */
export const VENDOR_ID_COLUMN = {
  jobber: 'jobber_id',
  quickbooks: 'quickbooks_id',
  airtable: 'airtable_id',
} as const satisfies Record<CustomerVendor, string>;

export const VENDOR_SEEN_COLUMN = {
  jobber: 'jobber_synced_at',
  quickbooks: 'quickbooks_synced_at',
  airtable: 'airtable_synced_at',
} as const satisfies Record<CustomerVendor, string>;

/** Trimmed and lower-cased; null when empty. */
export function emailKey(email: string | null | undefined): string | null {
  const key = email?.trim().toLowerCase() ?? '';
  return key === '' ? null : key;
}

/** Digits only, without the leading 1 of an 11-digit NANP number: "(512) 555-0123" and "+1 512 555 0123" agree. */
export function phoneKey(phone: string | null | undefined): string | null {
  const digits = (phone ?? '').replace(/[^0-9]/g, '').replace(/^1([0-9]{10})$/, '$1');
  return digits === '' ? null : digits;
}

/** Phones shorter than a full NANP number (extensions, local 7-digit numbers) are too ambiguous to merge on. */
export function matchablePhoneKey(phone: string | null | undefined): string | null {
  const key = phoneKey(phone);
  return key !== null && key.length >= 10 ? key : null;
}

/** The per-vendor payloads kept in `clients.custom_fields.vendors`. */
export type VendorPayloads = Partial<Record<CustomerVendor, ExternalCustomer>>;

export interface CustomerFields {
  name: string;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
  syncStatus: string | null;
}

const clip = (value: string, length: number) => value.slice(0, length);

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function customerName(customer: ExternalCustomer): string | null {
  const person = [customer.firstName, customer.lastName].map(nonEmpty).filter(Boolean).join(' ');
  return nonEmpty(customer.displayName) ?? nonEmpty(customer.companyName) ?? nonEmpty(person);
}

function postalAddress(address: ExternalAddress | null): PostalAddress | null {
  if (!address) return null;
  const result: PostalAddress = {};
  for (const key of ['street1', 'city', 'province', 'postalCode', 'country'] as const) {
    const value = nonEmpty(address[key]);
    if (value !== null) result[key] = value;
  }
  return Object.keys(result).length > 0 ? result : null;
}

/**
 * The client's fields from the payloads of the vendors that still have the customer (`linked`), by precedence:
 * each field takes the first non-empty value in Jobber, QuickBooks, Airtable order, and keeps its current value
 * (e.g. one typed in the dashboard) when no linked vendor has one. The address moves as a whole. A customer is
 * inactive only when every linked vendor has it inactive or archived.
 */
export function mergeCustomerFields(
  payloads: VendorPayloads,
  linked: readonly CustomerVendor[],
  current: CustomerFields,
): CustomerFields {
  const sources = CUSTOMER_VENDORS.filter((vendor) => linked.includes(vendor))
    .map((vendor) => payloads[vendor])
    .filter((payload): payload is ExternalCustomer => payload !== undefined);
  const first = <T>(pick: (customer: ExternalCustomer) => T | null): T | null => {
    for (const source of sources) {
      const value = pick(source);
      if (value !== null) return value;
    }
    return null;
  };
  const name = first(customerName);
  const email = first((customer) => nonEmpty(customer.email));
  const phone = first((customer) => nonEmpty(customer.phone));
  return {
    name: name === null ? current.name : clip(name, 255),
    email: email === null ? current.email : clip(email, 255),
    phone: phone === null ? current.phone : clip(phone, 50),
    address: first((customer) => postalAddress(customer.address)) ?? current.address,
    syncStatus:
      sources.length === 0 ? current.syncStatus : sources.some((source) => source.active) ? 'active' : 'inactive',
  };
}
