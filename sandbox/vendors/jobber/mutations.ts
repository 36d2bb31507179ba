import type { Customer, Job, Quote, QuoteLineItem } from '../../core/world.js';
import { decodeId } from './ids.js';
import type { GraphqlContext } from './queries.js';
import { clientView, jobView, quoteView } from './views.js';
import { clientVisible, workVisible } from './visibility.js';

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

interface ClientEditInput extends Omit<ClientCreateInput, 'emails' | 'phones'> {
  emailsToAdd?: Array<{ address: string; primary?: boolean | null }> | null;
  emailsToEdit?: Array<{ id: string; address?: string | null }> | null;
  emailsToDelete?: string[] | null;
  phonesToAdd?: Array<{ number: string; primary?: boolean | null }> | null;
  phonesToEdit?: Array<{ id: string; number?: string | null }> | null;
  phonesToDelete?: string[] | null;
}

/*
 * The world keeps one email and one phone per customer, and the client view gives each the client's own id (see
 * views.ts): an edit or delete must name that id; an added one replaces the value.
 */
function contactEdit(
  input: ClientEditInput,
  clientId: string,
  kind: 'emails' | 'phones',
): { value?: string | null; errors: UserError[] } {
  const field = kind === 'emails' ? 'address' : 'number';
  const edits = (kind === 'emails' ? input.emailsToEdit : input.phonesToEdit) ?? [];
  const deletes = (kind === 'emails' ? input.emailsToDelete : input.phonesToDelete) ?? [];
  const adds = (kind === 'emails' ? input.emailsToAdd : input.phonesToAdd) ?? [];
  const errors: UserError[] = [];
  let value: string | null | undefined;
  for (const [position, id] of deletes.entries()) {
    if (id !== clientId) errors.push({ message: 'Not found', path: ['input', `${kind}ToDelete`, String(position)] });
    else value = null;
  }
  for (const [position, edit] of edits.entries()) {
    const text = (edit as Record<string, string | null | undefined>)[field];
    if (edit.id !== clientId)
      errors.push({ message: 'Not found', path: ['input', `${kind}ToEdit`, String(position), 'id'] });
    else if (text) value = text;
  }
  const added = primaryOf(adds as Array<{ primary?: boolean | null } & Record<string, unknown>>);
  if (added) value = added[field] as string;
  return { ...(value === undefined ? {} : { value }), errors };
}

function clientEdit(args: { clientId: string; input: ClientEditInput }, ctx: GraphqlContext) {
  const key = decodeId('Client', args.clientId);
  const customer = key === null ? undefined : ctx.world.customers[key];
  if (!clientVisible(customer))
    return { client: null, userErrors: [{ message: 'Client not found', path: ['clientId'] }] };
  const { input } = args;
  const email = contactEdit(input, args.clientId, 'emails');
  const phone = contactEdit(input, args.clientId, 'phones');
  const userErrors = [
    ...clientErrors({
      firstName: input.firstName ?? customer.firstName,
      lastName: input.lastName ?? customer.lastName,
      companyName: input.companyName !== undefined ? input.companyName : customer.companyName,
      emails: email.value ? [{ address: email.value }] : [],
      phones: phone.value ? [{ number: phone.value }] : [],
    }),
    ...email.errors,
    ...phone.errors,
  ];
  if (userErrors.length > 0) return { client: null, userErrors };
  if (input.firstName !== undefined && input.firstName !== null) customer.firstName = input.firstName.trim();
  if (input.lastName !== undefined && input.lastName !== null) customer.lastName = input.lastName.trim();
  if (input.companyName !== undefined)
    customer.companyName = blank(input.companyName) ? null : input.companyName!.trim();
  if (input.isCompany === false) customer.companyName = null;
  const variant = customer.variants.jobber;
  if (email.value !== undefined) {
    customer.email = email.value;
    if (variant) delete variant.email;
  }
  if (phone.value !== undefined) {
    customer.phone = phone.value === null ? null : e164(phone.value);
    if (variant) delete variant.phone;
  }
  if (variant) delete variant.displayName;
  for (const [part, value] of Object.entries(input.billingAddress ?? {})) {
    if (part in customer.address && typeof value === 'string')
      (customer.address as unknown as Record<string, string>)[part] = value;
  }
  customer.updatedAt = ctx.now;
  ctx.changed({ entity: 'customer', action: 'update', key: customer.key });
  return { client: clientView(ctx, customer), userErrors: [] };
}

interface JobCreateAttributes {
  propertyId: string;
  title?: string | null;
  instructions?: string | null;
  invoicing: { invoicingType: string; invoicingSchedule: string };
  timeframe?: { startAt?: string | null; endAt?: string | null } | null;
}

const DAY = 86_400_000;

/** Jobber's view of a new job's schedule: no start is unscheduled, a start today is today's, later is upcoming. */
function scheduledStatus(startAt: number | null, now: number): Job['status'] {
  if (startAt === null) return 'unscheduled';
  if (startAt < now - DAY) return 'late';
  return startAt < now + DAY ? 'today' : 'upcoming';
}

/** The world keeps no job instructions: they are accepted and dropped. */
function jobCreate(args: { input: JobCreateAttributes }, ctx: GraphqlContext) {
  const { input } = args;
  const customerKey = decodeId('Property', input.propertyId);
  if (customerKey === null || !clientVisible(ctx.world.customers[customerKey])) {
    return { job: null, userErrors: [{ message: 'Property not found', path: ['input', 'propertyId'] }] };
  }
  const startAt = input.timeframe?.startAt ? Date.parse(input.timeframe.startAt) : null;
  const endAt = input.timeframe?.endAt ? Date.parse(input.timeframe.endAt) : null;
  if (startAt !== null && endAt !== null && endAt < startAt) {
    return { job: null, userErrors: [{ message: 'End must be after start', path: ['input', 'timeframe', 'endAt'] }] };
  }
  const job: Job = {
    key: ctx.world.jobs.length,
    customerKey,
    jobNumber: ctx.world.jobs.reduce((max, row) => Math.max(max, row.jobNumber), 0) + 1,
    title: input.title?.trim() ?? '',
    status: scheduledStatus(startAt, ctx.now),
    total: 0,
    startAt,
    endAt,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
  };
  ctx.world.jobs.push(job);
  ctx.changed({ entity: 'job', action: 'create', key: job.key });
  return { job: jobView(ctx, job), userErrors: [] };
}

function jobEdit(
  args: { jobId: string; input: { title?: string | null; instructions?: string | null } },
  ctx: GraphqlContext,
) {
  const key = decodeId('Job', args.jobId);
  const job = key === null ? undefined : ctx.world.jobs[key];
  if (!job || !workVisible(ctx.world, job))
    return { job: null, userErrors: [{ message: 'Job not found', path: ['jobId'] }] };
  if (args.input.title !== undefined && args.input.title !== null) {
    if (blank(args.input.title))
      return { job: null, userErrors: [{ message: "Title can't be blank", path: ['input', 'title'] }] };
    job.title = args.input.title.trim();
  }
  job.updatedAt = ctx.now;
  ctx.changed({ entity: 'job', action: 'update', key: job.key });
  return { job: jobView(ctx, job), userErrors: [] };
}

function appDisconnect(_args: unknown, ctx: GraphqlContext) {
  ctx.disconnect();
  return { app: ctx.app, userErrors: [] };
}

export const mutationResolvers = { clientCreate, clientEdit, quoteCreate, jobCreate, jobEdit, appDisconnect };
