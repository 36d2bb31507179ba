import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { USER_ROLES } from './enums.js';
import { User } from './user.js';

/*
 * Machine credentials. The key is shown once; we keep a unique prefix to find the row and a hash to verify it.
 */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    ...baseProperties(),
    name: p.string(),
    keyPrefix: p.string().length(32).unique(),
    keyHash: p.string().hidden(),
    role: p.enum(USER_ROLES).default('viewer'),
    scopes: p.array().defaultRaw(`'{}'`),
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null').index(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    expiresAt: p.datetime().nullable(),
  },
});

export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
