import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { USER_ROLES } from './enums.js';

/*
 * Email is case-insensitive without the citext extension: the string type trims and lower-cases every value it
 * writes or compares (`.trim().lowercase()`), and a CHECK constraint rejects anything else written by raw SQL.
 */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    ...baseProperties(),
    email: p.string().trim().lowercase().unique(),
    passwordHash: p.string().hidden(),
    role: p.enum(USER_ROLES).default('user'),
    displayName: p.string().nullable(),
    active: p.boolean().default(true),
    failedLoginCount: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    passwordChangedAt: p.datetime().nullable(),
    lastLoginAt: p.datetime().nullable(),
  },
  checks: [{ name: 'users_email_lowercase_check', expression: 'email = lower(email)' }],
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);
