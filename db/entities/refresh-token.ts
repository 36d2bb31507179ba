import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { User } from './user.js';

/*
 * Rotating refresh tokens. Every token issued from one login shares a family id, so reuse of a rotated token can
 * revoke the whole family at once. Only a hash of the token is stored.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    ...baseProperties(),
    user: () => p.manyToOne(User).ref().deleteRule('cascade').index(),
    familyId: p.uuid().index(),
    tokenHash: p.string().unique().hidden(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    replacedBy: () => p.manyToOne(RefreshToken).ref().nullable().deleteRule('set null'),
    createdIp: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
  },
});

export class RefreshToken extends RefreshTokenSchema.class {}
RefreshTokenSchema.setClass(RefreshToken);
