import { createConnectionHealthActivities } from './connection-health.activities.js';
import { createCustomEventActivities } from './custom-events.activities.js';
import type { ActivityDeps } from './deps.js';
import { createInboundMessageActivities } from './inbound-messages.activities.js';
import { createJobberWriteBackActivities } from './jobber-write-back.activities.js';
import { createMessagingActivities } from './messaging.activities.js';
import { createQuoteActivities } from './quote.activities.js';
import { createJobCalendarActivities } from './job-calendar.activities.js';
import { createJobDocumentActivities } from './job-documents.activities.js';
import { createOAuthConnectionActivities } from './oauth-connection.activities.js';
import { createSlackMentionActivities } from './slack-mentions.activities.js';
import { createSlackReactionActivities } from './slack-reactions.activities.js';
import { createSyncLogActivities } from './sync-log.activities.js';
import { createSyncActivities } from './sync.activities.js';

/** Every activity the worker registers; workflows import this factory's return type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConnectionHealthActivities(deps),
    ...createSyncLogActivities(deps),
    ...createSyncActivities(deps),
    ...createOAuthConnectionActivities(deps),
    ...createMessagingActivities(deps),
    ...createInboundMessageActivities(deps),
    ...createQuoteActivities(deps),
    ...createJobCalendarActivities(deps),
    ...createJobDocumentActivities(deps),
    ...createSlackMentionActivities(deps),
    ...createSlackReactionActivities(deps),
    ...createCustomEventActivities(deps),
    ...createJobberWriteBackActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
