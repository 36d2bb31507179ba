import type { Customer, Quote, QuoteLineItem } from '../../core/world.js';
import { decodeId } from './ids.js';
import type { GraphqlContext } from './queries.js';
import { clientView, quoteView } from './views.js';
import { clientVisible } from './visibility.js';

interface UserError {
  message: string;
  path: string[];
}

interface ClientCreateInput {
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
  isCompany?: boolean | null;
  emails?: Array<{ address: string; primary?: boolean | null }> | null;
  phones?: Array<{ number: string; primary?: boolean | null }> | null;
  billingAddress?: Partial<Record<'street1' | 'city' | 'province' | 'postalCode' | 'country', string | null>> | null;
}

interface QuoteCreateAttributes {
  clientId: string;
  propertyId?: string | null;
  title?: string | null;
  message?: string | null;
  lineItems?: Array<{ name: string; description?: string | null; quantity: number; unitPrice: number }> | null;
  transitionQuoteTo?: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const blank = (value: string | null | undefined) => !value || value.trim() === '';

/** What people type ("(512) 555-0123") → the world's E.164; anything unrecognisable is kept as typed. */
function e164(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return phone.trim();
}

function primaryOf<T extends { primary?: boolean | null }>(items: T[] | null | undefined): T | undefined {
  return items?.find((item) => item.primary) ?? items?.[0];
}

function clientErrors(input: ClientCreateInput): UserError[] {
  const errors: UserError[] = [];
  if (blank(input.firstName) && blank(input.lastName) && blank(input.companyName)) {
    errors.push({ message: 'Client must have a first name, last name or company name', path: ['input', 'firstName'] });
  }
  for (const [position, email] of (input.emails ?? []).entries()) {
    if (!EMAIL.test(email.address)) {
      errors.push({ message: 'Email address is invalid', path: ['input', 'emails', String(position), 'address'] });
    }
  }
  for (const [position, phone] of (input.phones ?? []).entries()) {
    if (phone.number.replace(/\D/g, '').length < 7) {
      errors.push({ message: 'Phone number is invalid', path: ['input', 'phones', String(position), 'number'] });
    }
  }
  return errors;
}

function clientCreate(args: { input: ClientCreateInput }, ctx: GraphqlContext) {
  const { input } = args;
  const userErrors = clientErrors(input);
  if (userErrors.length > 0) return { client: null, userErrors };
  const email = primaryOf(input.emails)?.address ?? null;
  const phone = primaryOf(input.phones)?.number ?? null;
  const address = input.billingAddress ?? {};
  const customer: Customer = {
    key: ctx.world.customers.length,
    firstName: input.firstName?.trim() ?? '',
    lastName: input.lastName?.trim() ?? '',
    companyName: blank(input.companyName) ? null : input.companyName!.trim(),
    email,
    phone: phone === null ? null : e164(phone),
    address: {
      street1: address.street1 ?? '',
      city: address.city ?? '',
      province: address.province ?? '',
      postalCode: address.postalCode ?? '',
      country: address.country ?? 'US',
    },
    // Clients created by an app get the app as their lead source (Jobber changelog 2024-09-16), not lead status.
    isLead: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
    variants: {},
  };
  ctx.world.customers.push(customer);
  ctx.changed({ entity: 'customer', action: 'create', key: customer.key });
  return { client: clientView(ctx, customer), userErrors: [] };
}

function quoteErrors(attributes: QuoteCreateAttributes, ctx: GraphqlContext, clientKey: number | null): UserError[] {
  const errors: UserError[] = [];
  if (clientKey === null || !clientVisible(ctx.world.customers[clientKey])) {
    errors.push({ message: 'Client not found', path: ['attributes', 'clientId'] });
  }
  if (attributes.propertyId !== undefined && attributes.propertyId !== null) {
    if (decodeId('Property', attributes.propertyId) !== clientKey) {
      errors.push({ message: 'Property not found for this client', path: ['attributes', 'propertyId'] });
    }
  }
  const items = attributes.lineItems ?? [];
  if (items.length === 0)
    errors.push({ message: 'Quote must have at least one line item', path: ['attributes', 'lineItems'] });
  for (const [position, item] of items.entries()) {
    const path = ['attributes', 'lineItems', String(position)];
    if (blank(item.name)) errors.push({ message: "Name can't be blank", path: [...path, 'name'] });
    if (item.quantity < 0) errors.push({ message: 'Quantity must be positive', path: [...path, 'quantity'] });
    if (item.unitPrice < 0) errors.push({ message: 'Unit price must be positive', path: [...path, 'unitPrice'] });
  }
  if (attributes.transitionQuoteTo && attributes.transitionQuoteTo !== 'AWAITING_RESPONSE') {
    errors.push({
      message: 'Quote can only transition to AWAITING_RESPONSE',
      path: ['attributes', 'transitionQuoteTo'],
    });
  }
  return errors;
}

function quoteCreate(args: { attributes: QuoteCreateAttributes }, ctx: GraphqlContext) {
  const { attributes } = args;
  const clientKey = decodeId('Client', attributes.clientId);
  const userErrors = quoteErrors(attributes, ctx, clientKey);
  if (userErrors.length > 0 || clientKey === null) return { quote: null, userErrors };
  const lineItems: QuoteLineItem[] = (attributes.lineItems ?? []).map((item) => ({
    name: item.name.trim(),
    description: item.description ?? null,
    quantity: item.quantity,
    unitPrice: Math.round(item.unitPrice * 100),
  }));
  const sent = attributes.transitionQuoteTo === 'AWAITING_RESPONSE';
  const quote: Quote = {
    key: ctx.world.quotes.length,
    customerKey: clientKey,
    quoteNumber: ctx.world.quotes.reduce((max, row) => Math.max(max, row.quoteNumber), 0) + 1,
    title: attributes.title ?? '',
    status: sent ? 'awaiting_response' : 'draft',
    lineItems,
    total: Math.round(lineItems.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0)),
    sentAt: sent ? ctx.now : null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
  };
  ctx.world.quotes.push(quote);
  ctx.changed({ entity: 'quote', action: 'create', key: quote.key });
  return { quote: { ...quoteView(ctx, quote), message: attributes.message ?? null }, userErrors: [] };
}

function appDisconnect(_args: unknown, ctx: GraphqlContext) {
  ctx.disconnect();
  return { app: ctx.app, userErrors: [] };
}

export const mutationResolvers = { clientCreate, quoteCreate, appDisconnect };
