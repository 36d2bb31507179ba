import type { World } from '../../core/world.js';

export interface Attendee {
  email: string;
  displayName?: string;
  responseStatus: string;
  optional?: boolean;
}

/** Calendar fields the shared world does not model, kept per event key. */
export interface EventExtras {
  attendees?: Attendee[];
  allDay?: boolean;
  timeZone?: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  colorId?: string;
  transparency?: string;
  visibility?: string;
}

/** One Gmail history record (`users.history`), with the labels the message had at that point. */
export interface HistoryRecord {
  id: number;
  messageKey: number;
  messageAdded: boolean;
  labelsAdded: string[];
  labelsRemoved: string[];
  labelIds: string[];
}

/** A label the user made (`users.labels.create`); system labels are fixed and not stored. */
export interface UserLabel {
  id: string;
  name: string;
  messageListVisibility: string;
  labelListVisibility: string;
}

export interface Permission {
  kind: 'drive#permission';
  id: string;
  type: string;
  role: string;
  emailAddress?: string;
  domain?: string;
  allowFileDiscovery?: boolean;
}

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  description?: string;
  properties?: Record<string, string>;
  appProperties?: Record<string, string>;
  content: Buffer | null;
  createdTime: number;
  modifiedTime: number;
  trashed: boolean;
  starred: boolean;
  version: number;
  permissions: Permission[];
}

/**
 * Google state that belongs to one world: ids minted here, Gmail history, Drive files. Keyed by the world object,
 * so a reset (a new world) starts from nothing, and ids and tokens from before the reset no longer resolve.
 */
export interface GoogleWorldState {
  /** Bumped on every new world; Calendar sync tokens and Gmail history ids carry it, so old ones go stale. */
  epoch: number;
  /** The change counter when this state was made; Gmail history before it is not retained. */
  historyFloor: number;
  history: HistoryRecord[];
  /** Labels of every message as last seen, to turn control-API updates into labelsAdded/labelsRemoved. */
  labels: Map<number, string[]>;
  /** The RFC 2822 bytes of messages sent through the API, for `format=raw`. */
  rawMessages: Map<number, string>;
  eventExtras: Map<number, EventExtras>;
  /** Event ids the client chose on insert (Calendar lets it), by event key, and the reverse. */
  eventIds: Map<number, string>;
  eventKeys: Map<string, number>;
  /** User labels by id (`Label_<n>`). */
  userLabels: Map<string, UserLabel>;
  labelsMinted: number;
  files: Map<string, DriveFile>;
  filesMinted: number;
}

/** Gmail history ids as presented: the world's change counter plus an epoch base, so ids grow across resets. */
const EPOCH_SPAN = 100_000_000;

export class GoogleStates {
  private readonly byWorld = new WeakMap<World, GoogleWorldState>();
  private epochs = 0;

  of(world: World): GoogleWorldState {
    let state = this.byWorld.get(world);
    if (!state) {
      this.epochs += 1;
      state = {
        epoch: this.epochs,
        historyFloor: world.changeCounter,
        history: [],
        labels: new Map(world.emails.map((email) => [email.key, [...email.labelIds]])),
        rawMessages: new Map(),
        eventExtras: new Map(),
        eventIds: new Map(),
        eventKeys: new Map(),
        userLabels: new Map(),
        labelsMinted: 0,
        files: new Map(),
        filesMinted: 0,
      };
      this.byWorld.set(world, state);
    }
    return state;
  }
}

export const presentHistoryId = (state: GoogleWorldState, internal: number): string =>
  String(state.epoch * EPOCH_SPAN + internal);

/** The internal position for a presented history id, or null when it belongs to another epoch or is not a number. */
export function parseHistoryId(state: GoogleWorldState, presented: string): number | null {
  if (!/^\d{1,20}$/.test(presented)) return null;
  const value = Number(presented) - state.epoch * EPOCH_SPAN;
  return value >= 0 && value < EPOCH_SPAN ? value : null;
}
