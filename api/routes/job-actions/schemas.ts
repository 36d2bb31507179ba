import type { JobDocument } from '../../../db/entities/index.js';
import type { ObjectSchema } from '../../validation.js';

const uuid = { type: 'string', format: 'uuid' } as const;

export const jobParams = {
  type: 'object',
  properties: { jobId: uuid },
  required: ['jobId'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const documentParams = {
  type: 'object',
  properties: { jobId: uuid, documentId: uuid },
  required: ['jobId', 'documentId'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const instant = { type: ['string', 'null'], format: 'date-time' } as const;

export const scheduleBody = {
  type: 'object',
  properties: { scheduledStart: instant, scheduledEnd: instant },
  required: ['scheduledStart'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

const share = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['user', 'anyone'] },
    role: { type: 'string', enum: ['reader', 'commenter', 'writer'] },
    emailAddress: { type: 'string', format: 'email', maxLength: 254 },
  },
  required: ['type', 'role'],
  additionalProperties: false,
} as const;

/** A user share names its user; "anyone with the link" names nobody. Returns the issues, as validation does. */
export function shareIssues(shares: ReadonlyArray<{ type: string; emailAddress?: string }>) {
  return shares.flatMap((share, index) =>
    (share.type === 'user') === (share.emailAddress === undefined)
      ? [
          {
            location: 'body' as const,
            path: `/shareWith/${index}/emailAddress`,
            message: share.type === 'user' ? 'is required for a user share' : 'must be absent for an anyone share',
          },
        ]
      : [],
  );
}

export const documentBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' },
    mimeType: { type: 'string', pattern: '^[a-z]+/[a-zA-Z0-9.+-]+$', maxLength: 255 },
    // The request body limit (BODY_LIMIT, 1 MB by default) caps the file; base64 grows it by a third.
    contentBase64: {
      type: 'string',
      minLength: 4,
      maxLength: 14_000_000,
      pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
    },
    shareWith: { type: 'array', maxItems: 20, items: share, default: [] },
  },
  required: ['name', 'mimeType', 'contentBase64'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const slackShareBody = {
  type: 'object',
  properties: {
    channel: { type: 'string', pattern: '^[CGD][A-Z0-9]{2,20}$' },
    threadTs: { type: 'string', pattern: '^[0-9]{10}\\.[0-9]{6}$' },
  },
  required: ['channel'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export function presentDocument(document: JobDocument) {
  return {
    id: document.id,
    jobId: document.job.id,
    name: document.name,
    mimeType: document.mimeType,
    sizeBytes: document.sizeBytes,
    status: document.status,
    shareWith: document.shareWith,
    driveFileId: document.driveFileId ?? null,
    webViewLink: document.webViewLink ?? null,
    sharedAt: document.sharedAt?.toISOString() ?? null,
    failureReason: document.failureReason ?? null,
    createdAt: document.createdAt.toISOString(),
  };
}
