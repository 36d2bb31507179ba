import type { EmailMessage, World } from '../../../core/world.js';
import type { GoogleWorldState, HistoryRecord } from '../state.js';
import { messageRef } from './views.js';

/** Records a change of one message in the Gmail history, at the message's current history id. */
export function recordHistory(
  state: GoogleWorldState,
  email: EmailMessage,
  change: { messageAdded?: boolean; labelsAdded?: string[]; labelsRemoved?: string[] },
): void {
  state.history.push({
    id: email.historyId,
    messageKey: email.key,
    messageAdded: change.messageAdded ?? false,
    labelsAdded: change.labelsAdded ?? [],
    labelsRemoved: change.labelsRemoved ?? [],
    labelIds: [...email.labelIds],
  });
  state.labels.set(email.key, [...email.labelIds]);
}

/** A control-API change of a world email becomes messagesAdded, or labelsAdded/labelsRemoved by label diff. */
export function recordWorldChange(state: GoogleWorldState, world: World, key: number, created: boolean): void {
  const email = world.emails[key];
  if (!email) return;
  if (created) return recordHistory(state, email, { messageAdded: true });
  const before = state.labels.get(key) ?? [];
  recordHistory(state, email, {
    labelsAdded: email.labelIds.filter((label) => !before.includes(label)),
    labelsRemoved: before.filter((label) => !email.labelIds.includes(label)),
  });
}

export const HISTORY_TYPES = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'] as const;

export function recordMatches(record: HistoryRecord, types: string[], labelId: string | undefined): boolean {
  if (types.length > 0) {
    const kinds = [
      record.messageAdded && 'messageAdded',
      record.labelsAdded.length > 0 && 'labelAdded',
      record.labelsRemoved.length > 0 && 'labelRemoved',
    ];
    if (!kinds.some((kind) => kind && types.includes(kind))) return false;
  }
  if (labelId === undefined) return true;
  return [...record.labelIds, ...record.labelsRemoved].includes(labelId);
}

/** One record of `users.history.list`. */
export function historyResource(world: World, record: HistoryRecord, presentId: string): Record<string, unknown> {
  const email = world.emails[record.messageKey]!;
  const message = { ...messageRef(email), labelIds: record.labelIds };
  return {
    id: presentId,
    messages: [messageRef(email)],
    ...(record.messageAdded ? { messagesAdded: [{ message }] } : {}),
    ...(record.labelsAdded.length > 0 ? { labelsAdded: [{ message, labelIds: record.labelsAdded }] } : {}),
    ...(record.labelsRemoved.length > 0 ? { labelsRemoved: [{ message, labelIds: record.labelsRemoved }] } : {}),
  };
}
