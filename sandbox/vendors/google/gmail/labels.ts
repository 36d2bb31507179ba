import { GoogleError } from '../errors.js';
import type { GoogleWorldState, UserLabel } from '../state.js';

const SYSTEM_LABELS = ['INBOX', 'SPAM', 'TRASH', 'UNREAD', 'STARRED', 'IMPORTANT', 'SENT', 'DRAFT'];
const CATEGORY_LABELS = ['CATEGORY_PERSONAL', 'CATEGORY_SOCIAL', 'CATEGORY_PROMOTIONS', 'CATEGORY_UPDATES'];
const SYSTEM = [...SYSTEM_LABELS, ...CATEGORY_LABELS];

const VISIBILITIES = {
  messageListVisibility: ['show', 'hide'],
  labelListVisibility: ['labelShow', 'labelShowIfUnread', 'labelHide'],
} as const;

/** System labels (id = name, type system) then the user's labels, as `users.labels.list` answers. */
export function labelList(state: GoogleWorldState): Array<Record<string, unknown>> {
  return [
    ...SYSTEM.map((id) => ({ id, name: id, type: 'system' })),
    ...[...state.userLabels.values()].map((label) => ({ ...label, type: 'user' })),
  ];
}

/** A label id a message may carry: a system label or one of the user's labels. */
export function isKnownLabel(state: GoogleWorldState, id: string): boolean {
  return SYSTEM.includes(id) || state.userLabels.has(id);
}

/**
 * How `label:` names a label in search: case-insensitive, spaces and slashes written as `-` [DOC: Gmail search
 * operators]. The ids of the user labels with that name.
 */
export function userLabelIdsNamed(state: GoogleWorldState, name: string): string[] {
  const searchable = (text: string) => text.toLowerCase().replace(/[\s/]+/g, '-');
  return [...state.userLabels.values()]
    .filter((label) => searchable(label.name) === searchable(name))
    .map((label) => label.id);
}

/**
 * `users.labels.create`. Names are unique without regard to case, and system names are reserved. The 409's
 * message is Gmail's; its reason and the 400 wording are UNVERIFIED.
 */
export function createLabel(state: GoogleWorldState, body: unknown): UserLabel {
  const input = (body ?? {}) as { name?: unknown; messageListVisibility?: unknown; labelListVisibility?: unknown };
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > 225 || SYSTEM.includes(name.toUpperCase())) {
    throw new GoogleError(400, 'invalidArgument', 'Invalid label name');
  }
  const taken = [...state.userLabels.values()].some((label) => label.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new GoogleError(409, 'duplicate', 'Label name exists or conflicts');
  const visibility = (field: keyof typeof VISIBILITIES, fallback: string): string => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(VISIBILITIES[field] as readonly string[]).includes(value)) {
      throw new GoogleError(400, 'invalidArgument', `Invalid ${field}`);
    }
    return value;
  };
  state.labelsMinted += 1;
  const label: UserLabel = {
    id: `Label_${state.labelsMinted}`,
    name,
    messageListVisibility: visibility('messageListVisibility', 'show'),
    labelListVisibility: visibility('labelListVisibility', 'labelShow'),
  };
  state.userLabels.set(label.id, label);
  return label;
}
