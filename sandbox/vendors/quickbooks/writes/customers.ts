import type { Customer, CustomerVariant } from '../../../core/world.js';
import { faults } from '../errors.js';
import { baseDisplayName, displayName, inQuickbooks } from '../views.js';
import {
  checkSyncToken,
  isSparse,
  objectAt,
  rowById,
  textAt,
  type Body,
  type WriteContext,
  type WriteResult,
} from './common.js';

/** "(512) 555-0123" → "+15125550123"; null when it is not a North American or E.164 number. */
export function toE164(raw: string): string | null {
  const digits = raw.replace(/\D/g, '');
  if (raw.trim().startsWith('+') && digits.length >= 8) return `+${digits}`;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return null;
}

function variantOf(customer: Customer): CustomerVariant {
  customer.variants.quickbooks ??= {};
  return customer.variants.quickbooks;
}

/** Display names are unique across QBO's name lists (6240); an inactive customer's "(deleted)" name frees it. */
function checkUniqueName(ctx: WriteContext, name: string, self?: Customer): void {
  const wanted = name.trim().toLowerCase();
  const taken = ctx.world.customers.some(
    (other) => other !== self && inQuickbooks(other) && displayName(other).toLowerCase() === wanted,
  );
  if (taken) throw faults.duplicateName(name);
}

function setEmail(customer: Customer, body: Body, sparse: boolean): void {
  const email = objectAt(body, 'PrimaryEmailAddr');
  if (!email && sparse) return;
  customer.email = (email && textAt(email, 'Address')) || null;
  delete variantOf(customer).email;
}

/** The world keeps E.164; QBO keeps what was typed, so a differently formatted number becomes a variant. */
function setPhone(customer: Customer, body: Body, sparse: boolean): void {
  const phone = objectAt(body, 'PrimaryPhone');
  if (!phone && sparse) return;
  const raw = (phone && textAt(phone, 'FreeFormNumber')) || null;
  const e164 = raw === null ? null : toE164(raw);
  customer.phone = e164;
  const variant = variantOf(customer);
  if (raw !== null && raw !== e164) variant.phone = raw;
  else delete variant.phone;
}

/** QBO never renames a customer by itself: DisplayName stays unless the update sends a new one. */
function setNames(ctx: WriteContext, customer: Customer, body: Body, sparse: boolean): void {
  const previous = baseDisplayName(customer);
  const given = textAt(body, 'GivenName');
  const family = textAt(body, 'FamilyName');
  if (given !== undefined || !sparse) customer.firstName = given ?? '';
  if (family !== undefined || !sparse) customer.lastName = family ?? '';
  const company = textAt(body, 'CompanyName');
  if (company !== undefined || !sparse) customer.companyName = company || null;
  const requested = textAt(body, 'DisplayName');
  if (requested !== undefined) checkUniqueName(ctx, requested, customer);
  const wanted = requested ?? previous;
  const variant = variantOf(customer);
  delete variant.displayName;
  if (wanted !== baseDisplayName(customer)) variant.displayName = wanted;
}

function setAddress(customer: Customer, body: Body): void {
  const address = objectAt(body, 'BillAddr');
  if (!address) return;
  customer.address = {
    street1: textAt(address, 'Line1') ?? customer.address.street1,
    city: textAt(address, 'City') ?? customer.address.city,
    province: textAt(address, 'CountrySubDivisionCode') ?? customer.address.province,
    postalCode: textAt(address, 'PostalCode') ?? customer.address.postalCode,
    country: textAt(address, 'Country') ?? customer.address.country,
  };
}

function setActive(customer: Customer, body: Body, now: number): void {
  if (body.Active === false || body.Active === 'false') customer.deletedAt ??= now;
  else if (body.Active === true || body.Active === 'true') customer.deletedAt = null;
}

/** `POST /customer`: adds a customer to the world (so every vendor sees it), unique by DisplayName. */
export function createCustomer(ctx: WriteContext, body: Body): WriteResult {
  const requested = textAt(body, 'DisplayName');
  const given = textAt(body, 'GivenName');
  const family = textAt(body, 'FamilyName');
  const company = textAt(body, 'CompanyName');
  if (!requested && !given && !family && !company) throw faults.required('DisplayName');
  const name = requested ?? company ?? `${given ?? ''} ${family ?? ''}`.trim();
  checkUniqueName(ctx, name);
  // A name-only customer (no given/family/company name) is a person named by its display name.
  const [first, ...rest] = given || family || company ? [given ?? '', family ?? ''] : name.split(/\s+/);
  const customer: Customer = {
    key: ctx.world.customers.length,
    firstName: first ?? '',
    lastName: rest.join(' '),
    companyName: company || null,
    email: null,
    phone: null,
    address: { street1: '', city: '', province: '', postalCode: '', country: 'US' },
    isLead: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
    variants: {},
  };
  setEmail(customer, body, true);
  setPhone(customer, body, true);
  setAddress(customer, body);
  if (name !== baseDisplayName(customer)) variantOf(customer).displayName = name;
  setActive(customer, body, ctx.now);
  if (Object.keys(customer.variants.quickbooks ?? {}).length === 0) delete customer.variants.quickbooks;
  ctx.world.customers.push(customer);
  ctx.state.bumpCustomer(customer, true);
  return { key: customer.key, action: 'create' };
}

/** `POST /customer?operation=update`: sparse by default; Active=false is QBO's "delete" for customers. */
export function updateCustomer(ctx: WriteContext, body: Body): WriteResult {
  const customer = rowById(ctx.world.customers, body, 'Customer', inQuickbooks);
  checkSyncToken(ctx.state.customerSyncToken(customer), body);
  const sparse = isSparse(body);
  setNames(ctx, customer, body, sparse);
  setEmail(customer, body, sparse);
  setPhone(customer, body, sparse);
  setAddress(customer, body);
  setActive(customer, body, ctx.now);
  if (Object.keys(customer.variants.quickbooks ?? {}).length === 0) delete customer.variants.quickbooks;
  customer.updatedAt = ctx.now;
  ctx.state.bumpCustomer(customer, false);
  return { key: customer.key, action: 'update' };
}
