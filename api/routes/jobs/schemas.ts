import { INITIAL_JOB_STATUSES, JOB_STATUSES, SETTABLE_JOB_STATUSES } from '../../../db/job-status.js';
import {
  dateRangeQueryProperties,
  listQueryProperties,
  textSearchQueryProperty,
  type SortableFields,
} from '../../list-query.js';
import { uuidIdParams, type ObjectSchema } from '../../validation.js';
import { customFieldsSchema, tagsSchema } from '../clients/schemas.js';

const uuid = { type: 'string', format: 'uuid' } as const;
const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;
const time = nullable({ type: 'string', format: 'date-time' });
/** numeric(10,2): up to 8 digits before the point. */
const money = nullable({ type: 'string', pattern: '^-?[0-9]{1,8}(\\.[0-9]{1,2})?$', description: 'Decimal string' });

/** `scheduledStart` sorts only a list bounded by `from`/`to`: unscheduled jobs (NULL) are then out of it. */
export const JOB_SORT_FIELDS: SortableFields = {
  createdAt: 'date',
  updatedAt: 'date',
  title: 'text',
  scheduledStart: 'date',
};

const jobFieldProperties = {
  clientId: nullable(uuid),
  title: { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' },
  description: nullable({ type: 'string', maxLength: 10_000 }),
  priority: nullable({ type: 'string', enum: ['low', 'normal', 'high', 'urgent'] }),
  scheduledStart: time,
  scheduledEnd: time,
  actualStart: time,
  actualEnd: time,
  estimatedRevenue: money,
  actualRevenue: money,
  assignedTo: { type: 'array', items: uuid, maxItems: 50, uniqueItems: true },
  tags: tagsSchema,
  customFields: nullable(customFieldsSchema),
} as const;

export const createJobBody = {
  type: 'object',
  properties: {
    ...jobFieldProperties,
    status: {
      type: 'string',
      enum: INITIAL_JOB_STATUSES,
      description: 'Default: scheduled when scheduledStart is given, else unscheduled',
    },
  },
  required: ['title'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** PUT replaces every editable field (an omitted optional one is cleared); the status moves through PATCH only. */
export const replaceJobBody = {
  type: 'object',
  properties: { ...jobFieldProperties, version: { type: 'integer', minimum: 1 } },
  required: ['title'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const changeStatusBody = {
  type: 'object',
  properties: { status: { type: 'string', enum: SETTABLE_JOB_STATUSES }, version: { type: 'integer', minimum: 1 } },
  required: ['status'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const addNoteBody = {
  type: 'object',
  properties: { body: { type: 'string', minLength: 1, maxLength: 10_000, pattern: '\\S' } },
  required: ['body'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const jobListProperties = {
  status: {
    type: 'array',
    items: { type: 'string', enum: JOB_STATUSES },
    maxItems: JOB_STATUSES.length,
    description: 'One or several statuses (repeat the parameter)',
  },
  assignedTo: uuid,
  ...dateRangeQueryProperties,
  q: textSearchQueryProperty,
  ...listQueryProperties(JOB_SORT_FIELDS, '-createdAt'),
} as const;

/** `from`/`to` bound the scheduled start (whole days, UTC); unscheduled jobs drop out of a bounded list. */
export const listJobsQuery = {
  type: 'object',
  properties: { ...jobListProperties, clientId: uuid },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const clientJobsQuery = {
  type: 'object',
  properties: jobListProperties,
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const jobIdParams = uuidIdParams;

export const deleteJobQuery = {
  type: 'object',
  properties: { version: { type: 'integer', minimum: 1, description: 'The version the delete is based on' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface JobBody {
  clientId?: string | null;
  title: string;
  description?: string | null;
  priority?: string | null;
  scheduledStart?: string | null;
  scheduledEnd?: string | null;
  actualStart?: string | null;
  actualEnd?: string | null;
  estimatedRevenue?: string | null;
  actualRevenue?: string | null;
  assignedTo?: string[];
  tags?: string[];
  customFields?: Record<string, unknown> | null;
  status?: string;
  version?: number;
}

export interface ListJobsQuery {
  status?: string[];
  clientId?: string;
  assignedTo?: string;
  from?: string;
  to?: string;
  q?: string;
  limit: number;
  cursor?: string;
  sort: string;
}
