import type { WorldChange } from './sandbox.js';
import type { World } from './world.js';

export interface MutationRequest {
  entity: WorldChange['entity'];
  action: WorldChange['action'];
  /** Which record to update or delete; for create, the new record's key is returned. */
  key?: number;
  /** Field values to set (record field names of core/world.ts). */
  changes?: Record<string, unknown>;
}

export class MutationError extends Error {}

type Row = { key: number; updatedAt?: number; deletedAt?: number | null; syncToken?: number; sequence?: number };

const TABLES = {
  customer: 'customers',
  job: 'jobs',
  quote: 'quotes',
  invoice: 'invoices',
  payment: 'payments',
  expense: 'expenses',
  calendarEvent: 'calendarEvents',
  email: 'emails',
  slackMessage: 'slackMessages',
} as const satisfies Partial<Record<WorldChange['entity'], keyof World>>;

/** Fields a mutation may not set: identity and bookkeeping stay under the sandbox's control. */
const PROTECTED = new Set(['key', 'createdAt', 'updatedAt', 'deletedAt', 'syncToken', 'sequence', 'historyId']);

function touch(world: World, row: Row, now: number): void {
  if ('updatedAt' in row) row.updatedAt = now;
  if (typeof row.syncToken === 'number') row.syncToken += 1;
  if (typeof row.sequence === 'number') row.sequence = world.changeCounter++;
  if ('historyId' in row) (row as { historyId: number }).historyId = world.changeCounter++;
}

/**
 * Reactions are Slack's own state (the world has no table for them), so the change only names the message, by world
 * key or as an app sees it (channel id or name, and ts), plus the emoji and who reacted; Slack applies it.
 */
function slackReactionChange(world: World, request: MutationRequest): WorldChange {
  if (request.action === 'update') throw new MutationError('a slackReaction is only created or deleted');
  const { messageKey, channel, ts, name, user } = request.changes ?? {};
  if (typeof name !== 'string' || typeof user !== 'string') {
    throw new MutationError('slackReaction needs name and user');
  }
  const inChannel = () => {
    const reference = String(channel).replace(/^#/, '');
    const found = world.slackChannels.find((candidate) => candidate.id === channel || candidate.name === reference);
    return world.slackMessages.find((candidate) => candidate.channelKey === found?.key && candidate.ts === ts);
  };
  const message = typeof messageKey === 'number' ? world.slackMessages[messageKey] : inChannel();
  if (!message) throw new MutationError('the Slack message to react to does not exist');
  // Slack's UI and reactions.add accept the emoji with its colons (":thumbsup:"); events carry the bare name.
  return {
    entity: 'slackReaction',
    action: request.action,
    key: message.key,
    payload: { name: name.replace(/^:|:$/g, ''), user },
  };
}

/**
 * Applies a control-API change to the world, as if someone had made it in the vendor's own UI. Creating copies
 * the most recent record of the kind as a template, then applies `changes`; deleting is soft (`deletedAt`), so
 * vendors can report deletions (QuickBooks CDC, Calendar's cancelled events).
 */
export function applyMutation(world: World, request: MutationRequest, now = Date.now()): WorldChange {
  if (request.entity === 'sms') {
    return { entity: 'sms', action: 'create', key: now, payload: request.changes ?? {} };
  }
  if (request.entity === 'slackReaction') return slackReactionChange(world, request);
  const rows = world[TABLES[request.entity]] as unknown as Row[];
  const changes = Object.fromEntries(Object.entries(request.changes ?? {}).filter(([name]) => !PROTECTED.has(name)));
  if (request.action === 'create') {
    const template = rows.at(-1);
    if (!template) throw new MutationError(`no ${request.entity} exists to use as a template`);
    const row: Row = { ...structuredClone(template), ...changes, key: rows.length };
    if ('createdAt' in row) (row as { createdAt: number }).createdAt = now;
    if ('deletedAt' in row) row.deletedAt = null;
    // A new record exists the same way everywhere unless the request says otherwise (the template's may not).
    if ('variants' in row && !('variants' in changes)) (row as { variants: object }).variants = {};
    if (typeof row.syncToken === 'number') row.syncToken = -1;
    touch(world, row, now);
    rows.push(row);
    return { entity: request.entity, action: 'create', key: row.key };
  }
  const row = request.key === undefined ? undefined : rows[request.key];
  if (!row || row.deletedAt) throw new MutationError(`${request.entity} ${String(request.key)} does not exist`);
  if (request.action === 'update') Object.assign(row, changes);
  else if ('deletedAt' in row) row.deletedAt = now;
  else throw new MutationError(`${request.entity} cannot be deleted`);
  touch(world, row, now);
  return { entity: request.entity, action: request.action, key: row.key };
}
