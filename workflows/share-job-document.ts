import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { DocumentState } from '../activities/job-documents.activities.js';
import { failureTypes, NON_RETRYABLE_VENDOR_FAILURES } from '../temporal/failures.js';

type Activities = ReturnType<typeof createActivities>;

const { uploadJobDocument, shareJobDocument } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_VENDOR_FAILURES,
      failureTypes.documentNotFound,
      failureTypes.connectionNotFound,
      failureTypes.credentialsUnreadable,
    ],
  },
});

const { markDocumentFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/** Uploads a job document to Drive and shares it as asked; a failure that retries cannot fix marks it failed. */
export async function shareJobDocumentOnDrive(input: { documentId: string }): Promise<DocumentState> {
  try {
    await uploadJobDocument(input.documentId);
    return await shareJobDocument(input.documentId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return markDocumentFailed({ documentId: input.documentId, reason: error.cause?.message ?? error.message });
  }
}
