import { ApplicationFailure } from '@temporalio/activity';
import { Job, JobDocument, VendorConnection } from '../db/entities/index.js';
import type { JobDocumentStatus } from '../db/entities/enums.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActivityDeps } from './deps.js';
import { jobAudience } from './job-events.js';
import { connectionAccess } from './sync-context.js';
import { vendorStep } from './vendor-failures.js';

export interface DocumentState {
  documentId: string;
  status: JobDocumentStatus;
  driveFileId: string | null;
  webViewLink: string | null;
}

const stateOf = (document: JobDocument): DocumentState => ({
  documentId: document.id,
  status: document.status,
  driveFileId: document.driveFileId ?? null,
  webViewLink: document.webViewLink ?? null,
});

/** Publishing a job document on Drive: upload once (found again by its key), then share as asked. */
export function createJobDocumentActivities(deps: ActivityDeps) {
  const { orm, vendors, events } = deps;

  async function drive() {
    const em = orm.em.fork();
    const connection = await em.findOne(
      VendorConnection,
      { vendor: 'google', status: 'connected' },
      { orderBy: { createdAt: 'asc' } },
    );
    if (!connection) {
      throw ApplicationFailure.nonRetryable('no connected Google account', failureTypes.connectionNotFound);
    }
    const { secrets, tokens } = connectionAccess(deps, connection, async () => undefined);
    return vendors.actions.drive(secrets, tokens);
  }

  async function load(documentId: string, withContent = false): Promise<JobDocument> {
    const document = await orm.em
      .fork()
      .findOne(JobDocument, { id: documentId }, withContent ? { populate: ['content'] } : {});
    if (!document) {
      throw ApplicationFailure.nonRetryable(`document ${documentId} does not exist`, failureTypes.documentNotFound);
    }
    return document;
  }

  async function announce(document: JobDocument): Promise<void> {
    const job = await orm.em.fork().findOne(Job, { id: document.job.id });
    await events.publish('job.updated', {
      ...jobAudience(job, document.job.id),
      change: 'document',
      document: stateOf(document),
    });
  }

  return {
    /** Uploads the file unless an earlier attempt already did (Drive app property carrying the document id). */
    async uploadJobDocument(documentId: string): Promise<DocumentState> {
      const document = await load(documentId, true);
      if (document.driveFileId) return stateOf(document);
      const client = await drive();
      const file = await vendorStep(
        async () =>
          (await client.findUploaded(documentId)) ??
          (await client.uploadFile({
            idempotencyKey: documentId,
            name: document.name,
            mimeType: document.mimeType,
            data: Buffer.from(document.content),
          })),
      );
      const em = orm.em.fork();
      const live = await em.findOneOrFail(JobDocument, { id: documentId });
      live.driveFileId = file.id;
      live.webViewLink = file.webViewLink;
      live.status = 'uploaded';
      await em.flush();
      await announce(live);
      return stateOf(live);
    },

    /** Grants each requested permission; Drive reuses an equal one, so a retry grants nothing twice. */
    async shareJobDocument(documentId: string): Promise<DocumentState> {
      const document = await load(documentId);
      if (!document.driveFileId) {
        throw ApplicationFailure.nonRetryable('the document is not on Drive yet', failureTypes.documentNotFound);
      }
      const client = await drive();
      let webViewLink = document.webViewLink ?? null;
      for (const share of document.shareWith) {
        const granted = await vendorStep(() => client.shareFile({ fileId: document.driveFileId as string, ...share }));
        webViewLink = granted.webViewLink ?? webViewLink;
      }
      const em = orm.em.fork();
      const live = await em.findOneOrFail(JobDocument, { id: documentId });
      live.webViewLink = webViewLink;
      live.status = 'shared';
      live.sharedAt ??= new Date();
      await em.flush();
      await announce(live);
      return stateOf(live);
    },

    async markDocumentFailed(input: { documentId: string; reason: string }): Promise<DocumentState> {
      const em = orm.em.fork();
      const document = await em.findOneOrFail(JobDocument, { id: input.documentId });
      if (document.status !== 'shared') {
        document.status = 'failed';
        document.failureReason = input.reason;
        await em.flush();
        await announce(document);
      }
      return stateOf(document);
    },
  };
}
