// The one module the worker bundles: every workflow is exported from here.
export { connectionHealthCheck } from './connection-health-check.js';
export { requestIncrementalSignal, syncConnection, syncProgressQuery } from './sync-connection.js';
export { scheduledSync } from './scheduled-sync.js';
export { completeOAuthConnection } from './complete-oauth-connection.js';
export { deliverMessage, messageStatusSignal } from './deliver-message.js';
export { receiveInboundMessage } from './record-inbound-message.js';
export { createQuote } from './create-quote.js';
export { keepJobCalendarEvent } from './keep-job-calendar.js';
export { shareJobDocumentOnDrive } from './share-job-document.js';
export { handleSlackMention } from './handle-slack-mention.js';
export { trackSlackReaction } from './track-slack-reaction.js';
export { receiveCustomEvent } from './receive-custom-event.js';
export { writeBackToJobber } from './write-back-to-jobber.js';
