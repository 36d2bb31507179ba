import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { JOB_DOCUMENT_STATUSES } from './enums.js';
import { Job } from './job.js';
import { User } from './user.js';

/** Who a document is shared with on Drive, as asked for when it was uploaded. */
export interface DocumentShare {
  type: 'user' | 'anyone';
  role: 'reader' | 'commenter' | 'writer';
  emailAddress?: string;
}

/*
 * A file attached to a job and published on Google Drive by the shareJobDocument workflow. The bytes stay here
 * (lazy, never loaded by listings) so a retried upload has its input without carrying megabytes through Temporal's
 * history; the Drive id is recorded once the upload is known to have happened.
 */
export const JobDocumentSchema = defineEntity({
  name: 'JobDocument',
  tableName: 'job_documents',
  properties: {
    ...baseProperties(),
    job: () => p.manyToOne(Job).ref().deleteRule('cascade').index(),
    name: p.string(),
    mimeType: p.string().length(255),
    sizeBytes: p.integer(),
    content: p.blob().lazy().hidden(),
    status: p.enum(JOB_DOCUMENT_STATUSES).default('pending').index(),
    shareWith: p.json<DocumentShare[]>().defaultRaw(`'[]'`),
    driveFileId: p.string().length(100).nullable().unique(),
    webViewLink: p.text().nullable(),
    sharedAt: p.datetime().nullable(),
    failureReason: p.text().nullable(),
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null').index(),
  },
});

export class JobDocument extends JobDocumentSchema.class {}
JobDocumentSchema.setClass(JobDocument);
