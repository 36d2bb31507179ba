import { defineEntity, p } from '@mikro-orm/core';
import { appendOnlyProperties } from './base.js';
import { SECURITY_SEVERITIES } from './enums.js';
import { User } from './user.js';

/** Append-only audit trail: failed logins, lockouts, token reuse, bad webhook signatures. */
export const SecurityEventSchema = defineEntity({
  name: 'SecurityEvent',
  tableName: 'security_events',
  properties: {
    ...appendOnlyProperties(),
    type: p.string().length(100),
    severity: p.enum(SECURITY_SEVERITIES).default('info'),
    user: () => p.manyToOne(User).ref().nullable().deleteRule('set null').index(),
    // Kept even when no user matches, so attempts against unknown accounts are still traceable.
    email: p.string().nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [{ properties: ['type', 'createdAt'] }, { properties: ['createdAt'] }],
});

export class SecurityEvent extends SecurityEventSchema.class {}
SecurityEventSchema.setClass(SecurityEvent);
