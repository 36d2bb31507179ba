import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/passwords.js';
import type { ObjectSchema } from '../../validation.js';

export const emailSchema = { type: 'string', format: 'email', minLength: 3, maxLength: 254 } as const;

/** A new password: NIST SP 800-63B lengths, no composition rules. */
export const newPasswordSchema = {
  type: 'string',
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
} as const;

export const loginBody = {
  type: 'object',
  properties: {
    email: emailSchema,
    // Any length a user may have set, but bounded: hashing a megabyte "password" is a denial of service.
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
  },
  required: ['email', 'password'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const refreshBody = {
  type: 'object',
  properties: { refreshToken: { type: 'string', minLength: 20, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' } },
  required: ['refreshToken'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** A body or query string that must carry nothing. */
export const emptyObject = {
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const changePasswordBody = {
  type: 'object',
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
    newPassword: newPasswordSchema,
  },
  required: ['currentPassword', 'newPassword'],
  additionalProperties: false,
} as const satisfies ObjectSchema;
