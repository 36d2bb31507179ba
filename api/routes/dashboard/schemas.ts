import { ACTIVITY_TYPES } from '../../../db/repositories/activity-feed.js';
import { pageQueryProperties } from '../../pagination.js';
import type { ObjectSchema } from '../../validation.js';

export const activityQuery = {
  type: 'object',
  properties: {
    type: {
      type: 'array',
      items: { type: 'string', enum: ACTIVITY_TYPES },
      minItems: 1,
      uniqueItems: true,
      description: 'Only these kinds of activity (repeat the parameter for several); all kinds by default',
    },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;
