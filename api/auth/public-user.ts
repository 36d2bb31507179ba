import type { UserRole } from '../../db/entities/enums.js';
import type { User } from '../../db/entities/index.js';

/** A user as the API shows it: never the password hash, the failure counter or the lock's exact end. */
export interface PublicUser {
  id: string;
  email: string;
  displayName: string | null;
  role: UserRole;
  active: boolean;
  locked: boolean;
  lastLoginAt: string | null;
  passwordChangedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function publicUser(user: User, now: Date = new Date()): PublicUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName ?? null,
    role: user.role,
    active: user.active,
    locked: user.lockedUntil !== null && user.lockedUntil !== undefined && user.lockedUntil > now,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    passwordChangedAt: user.passwordChangedAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** The JSON Schema of PublicUser, for response documentation. */
export const publicUserSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string', format: 'email' },
    displayName: { type: ['string', 'null'] },
    role: { type: 'string', enum: ['admin', 'user', 'viewer'] },
    active: { type: 'boolean' },
    locked: { type: 'boolean' },
    lastLoginAt: { type: ['string', 'null'], format: 'date-time' },
    passwordChangedAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'email', 'displayName', 'role', 'active', 'locked', 'createdAt', 'updatedAt'],
  additionalProperties: false,
} as const;
