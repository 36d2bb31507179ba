import { listQueryProperties, textSearchQueryProperty, type SortableFields } from '../../list-query.js';
import { emptyQuery, uuidIdParams, type ObjectSchema } from '../../validation.js';

const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const CLIENT_SORT_FIELDS: SortableFields = { name: 'text', createdAt: 'date', updatedAt: 'date' };
export const INVOICE_SORT_FIELDS: SortableFields = { createdAt: 'date' };

const addressSchema = {
  type: 'object',
  properties: {
    street1: { type: 'string', maxLength: 255 },
    street2: { type: 'string', maxLength: 255 },
    city: { type: 'string', maxLength: 120 },
    province: { type: 'string', maxLength: 120 },
    postalCode: { type: 'string', maxLength: 20 },
    country: { type: 'string', maxLength: 120 },
  },
  additionalProperties: false,
} as const;

export const tagsSchema = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 50 },
  maxItems: 50,
  uniqueItems: true,
} as const;

/** Free-form values; the object is open on purpose (any keys a business defines). */
export const customFieldsSchema = { type: 'object', maxProperties: 100 } as const;

const clientFieldProperties = {
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' },
  email: nullable({ type: 'string', format: 'email', maxLength: 255 }),
  phone: nullable({ type: 'string', minLength: 3, maxLength: 50, pattern: '^[0-9+(). -]+$' }),
  address: nullable(addressSchema),
  tags: tagsSchema,
  customFields: nullable(customFieldsSchema),
} as const;

/** POST: the name is required; everything else defaults to empty. */
export const createClientBody = {
  type: 'object',
  properties: clientFieldProperties,
  required: ['name'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

/**
 * PUT replaces every editable field: an omitted optional field is cleared. `version` (optional) is the version the
 * edit was based on; so is an If-Match header.
 */
export const replaceClientBody = {
  type: 'object',
  properties: { ...clientFieldProperties, version: { type: 'integer', minimum: 1 } },
  required: ['name'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const listClientsQuery = {
  type: 'object',
  properties: {
    q: textSearchQueryProperty,
    tag: { type: 'string', minLength: 1, maxLength: 50 },
    syncStatus: { type: 'string', minLength: 1, maxLength: 50 },
    createdFrom: { type: 'string', format: 'date-time' },
    createdTo: { type: 'string', format: 'date-time' },
    updatedFrom: { type: 'string', format: 'date-time' },
    updatedTo: { type: 'string', format: 'date-time' },
    ...listQueryProperties(CLIENT_SORT_FIELDS, '-createdAt'),
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const clientInvoicesQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', minLength: 1, maxLength: 50 },
    ...listQueryProperties(INVOICE_SORT_FIELDS, '-createdAt'),
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const clientIdParams = uuidIdParams;

export const deleteClientQuery = {
  type: 'object',
  properties: {
    cascade: { type: 'boolean', default: false, description: "Also soft-delete the client's (local) jobs" },
    version: { type: 'integer', minimum: 1, description: 'The version the delete is based on (409 on mismatch)' },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export { emptyQuery };

export interface ClientBody {
  name: string;
  email?: string | null;
  phone?: string | null;
  address?: Record<string, string> | null;
  tags?: string[];
  customFields?: Record<string, unknown> | null;
  version?: number;
}

export interface ListClientsQuery {
  q?: string;
  tag?: string;
  syncStatus?: string;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  limit: number;
  cursor?: string;
  sort: string;
}

export interface ClientInvoicesQuery {
  status?: string;
  limit: number;
  cursor?: string;
  sort: string;
}
