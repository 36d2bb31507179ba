import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ConnectionSummary } from '../activities/slack-mentions.activities.js';
import type { SyncResource } from '../integrations/core/records.js';
import { failureTypes } from '../temporal/failures.js';
import { searchAttributes, syncSearchAttributes } from '../temporal/search-attribute-keys.js';
import { SYNC_VENDORS, syncResourcesOf } from '../temporal/sync-catalog.js';
import { workflowIds } from '../temporal/workflow-ids.js';
import { deliverMessage } from './deliver-message.js';
import { syncConnection } from './sync-connection.js';
import { requestIncrementalSignal } from './sync-signals.js';

/** Someone wrote `@bot <command>` in a channel, as a verified `app_mention` event said. */
export interface SlackMentionInput {
  connectionId: string;
  channel: string;
  ts: string;
  /** The thread's root ts when the mention was a reply in a thread. */
  threadTs: string | null;
  user: string;
  text: string;
}

export type MentionCommand =
  { kind: 'help'; unknown: string | null } | { kind: 'status' } | { kind: 'sync'; vendor: string | null };

type Activities = ReturnType<typeof createActivities>;

const { listConnectionSummaries, queueSlackReply } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [failureTypes.connectionNotFound],
  },
});

/** The command after the mentions (`<@U0APP>`, `<@U0APP|name>`) are stripped; case does not matter. */
export function mentionCommandOf(text: string): MentionCommand {
  const words = text
    .replace(/<@[A-Z0-9]+(\|[^>]*)?>/gi, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  const [command, ...rest] = words;
  if (command === 'status') return { kind: 'status' };
  if (command === 'sync') return { kind: 'sync', vendor: rest[0] ?? null };
  return { kind: 'help', unknown: command === undefined || command === 'help' ? null : words.join(' ') };
}

const SYNC_VENDOR_LIST = SYNC_VENDORS.map((vendor) => `\`${vendor}\``).join(', ');

const HELP = [
  'Here is what I can do:',
  '• `status`: every connection, its state and when it last synced',
  `• \`sync <vendor>\`: an incremental sync of every resource of that vendor's connections now (${SYNC_VENDOR_LIST})`,
  '• `help`: this list',
].join('\n');

/** Slack mrkdwn treats `&`, `<` and `>` as markup; names from our database are shown as written. */
const escaped = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Slack shows the time in each reader's own zone; the ISO text is the fallback of clients that cannot. */
const slackDate = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;

function statusReply(connections: ConnectionSummary[]): string {
  if (connections.length === 0) return 'No vendor is connected yet.';
  const lines = connections.map((connection) => {
    const synced =
      syncResourcesOf(connection.vendor).length === 0
        ? ''
        : connection.lastSyncedAt
          ? `, last synced ${slackDate(connection.lastSyncedAt)}`
          : ', never synced';
    return `• *${escaped(connection.name)}* (${connection.vendor}): ${connection.status}${synced}`;
  });
  return ['Connections:', ...lines].join('\n');
}

/** A connection that needs re-authorization (or was disconnected) would only fail its syncs. */
const canSync = (connection: ConnectionSummary) => connection.status === 'connected' || connection.status === 'error';

/**
 * Asks for an incremental pass the way a schedule does (workflows/scheduled-sync.ts): start the sync under its
 * business id as an abandoned child, or, when one runs, signal it. A sync that ends between the refused start and
 * the signal cannot be signalled any more, so the start is tried once more.
 */
async function requestSyncPass(
  connection: ConnectionSummary,
  resource: SyncResource,
  reason: string,
): Promise<'started' | 'joined'> {
  const workflowId = workflowIds.sync(connection.id, resource);
  for (let round = 1; ; round++) {
    try {
      await startChild(syncConnection, {
        workflowId,
        args: [{ connectionId: connection.id, resource, mode: 'incremental' }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: syncSearchAttributes(connection, resource, 'incremental'),
      });
      return 'started';
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    try {
      await getExternalWorkflowHandle(workflowId).signal(requestIncrementalSignal, { reason });
      return 'joined';
    } catch (error) {
      if (round >= 2 || !(error instanceof ApplicationFailure)) throw error;
    }
  }
}

async function syncReply(vendor: string | null, user: string): Promise<string> {
  if (vendor === null || !(SYNC_VENDORS as string[]).includes(vendor)) {
    const named = vendor === null ? 'Which vendor?' : `I do not sync \`${escaped(vendor)}\`.`;
    return `${named} I can sync ${SYNC_VENDOR_LIST}: \`sync <vendor>\`.`;
  }
  const connections = (await listConnectionSummaries()).filter((connection) => connection.vendor === vendor);
  if (connections.length === 0) return `No ${vendor} connection to sync.`;
  const lines = await Promise.all(
    connections.map(async (connection) => {
      const name = `*${escaped(connection.name)}*`;
      if (!canSync(connection)) return `• ${name}: skipped, the connection is ${connection.status}`;
      const resources = syncResourcesOf(vendor);
      const outcomes = await Promise.all(
        resources.map((resource) => requestSyncPass(connection, resource, `slack mention by ${user}`)),
      );
      const described = resources.map((resource, index) =>
        outcomes[index] === 'started' ? `${resource} (started)` : `${resource} (running: one more pass queued)`,
      );
      return `• ${name}: ${described.join(', ')}`;
    }),
  );
  return [`Incremental ${vendor} sync requested:`, ...lines].join('\n');
}

async function replyTextOf(command: MentionCommand, user: string): Promise<string> {
  switch (command.kind) {
    case 'status':
      return statusReply(await listConnectionSummaries());
    case 'sync':
      return syncReply(command.vendor, user);
    case 'help':
      return command.unknown === null ? HELP : `I do not know \`${command.unknown}\`. ${HELP}`;
  }
}

/**
 * Answers one mention of our app (the architecture's onMention) in the mention's thread. The reply is an outbound
 * message row queued under an id derived from the mention and delivered by `deliverMessage`, exactly as a send
 * through the API: a repeated run finds the same row, and the delivery machinery posts it once.
 */
export async function handleSlackMention(
  input: SlackMentionInput,
): Promise<{ command: MentionCommand['kind']; messageId: string }> {
  const command = mentionCommandOf(input.text);
  const { messageId } = await queueSlackReply({
    connectionId: input.connectionId,
    channel: input.channel,
    mentionTs: input.ts,
    threadTs: input.threadTs ?? input.ts,
    text: await replyTextOf(command, input.user),
  });
  try {
    await startChild(deliverMessage, {
      workflowId: workflowIds.message(messageId),
      args: [{ messageId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: searchAttributes.syncKind, value: 'message' },
        { key: searchAttributes.vendor, value: 'slack' },
      ],
    });
  } catch (error) {
    // An earlier run of this mention already handed the reply over.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return { command: command.kind, messageId };
}
