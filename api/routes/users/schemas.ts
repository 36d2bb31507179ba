import { USER_ROLES } from '../../../db/entities/enums.js';
import { pageQueryProperties } from '../../pagination.js';
import type { ObjectSchema } from '../../validation.js';
import { emailSchema, newPasswordSchema } from '../auth/schemas.js';

const displayName = { type: 'string', minLength: 1, maxLength: 100 } as const;
const role = { type: 'string', enum: USER_ROLES } as const;

export const userIdParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const listUsersQuery = {
  type: 'object',
  properties: {
    role,
    active: { type: 'boolean' },
    q: { type: 'string', minLength: 1, maxLength: 100 },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const createUserBody = {
  type: 'object',
  properties: { email: emailSchema, password: newPasswordSchema, role, displayName },
  required: ['email', 'password', 'role'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const updateUserBody = {
  type: 'object',
  properties: { displayName: { anyOf: [displayName, { type: 'null' }] }, role, active: { type: 'boolean' } },
  minProperties: 1,
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const setPasswordBody = {
  type: 'object',
  properties: { password: newPasswordSchema },
  required: ['password'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface ListUsersQuery {
  role?: (typeof USER_ROLES)[number];
  active?: boolean;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface CreateUserBody {
  email: string;
  password: string;
  role: (typeof USER_ROLES)[number];
  displayName?: string;
}

export interface UpdateUserBody {
  displayName?: string | null;
  role?: (typeof USER_ROLES)[number];
  active?: boolean;
}
