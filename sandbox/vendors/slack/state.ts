import { createHash } from 'node:crypto';

export interface PendingUpload {
  fileId: string;
  filename: string;
  length: number;
  altText?: string;
  snippetType?: string;
  userId: string;
  data?: Buffer;
}

export interface CompletedFile {
  id: string;
  created: number;
  filename: string;
  title: string;
  size: number;
  userId: string;
  channelId?: string;
}

/** What a posted message carries beyond the shared world's SlackMessage record. */
export interface MessageExtras {
  blocks?: unknown[];
  fileIds?: string[];
}

/**
 * Slack-only state that the shared world does not model: reactions, files and their uploads, message blocks, the
 * event-id counter and verified Events URLs. Dropped on reset, since it refers to the old world.
 */
export class SlackState {
  /** `<channel id>:<ts>` → reaction name → users, in the order they reacted. */
  readonly reactions = new Map<string, Map<string, string[]>>();
  /** Keyed by the secret part of the upload URL. */
  readonly uploads = new Map<string, PendingUpload>();
  readonly files = new Map<string, CompletedFile>();
  /** By world message key. */
  readonly extras = new Map<number, MessageExtras>();
  readonly verifiedUrls = new Set<string>();
  private fileCounter = 0;
  private eventCounter = 0;

  constructor(private seed: number) {}

  reset(seed: number): void {
    this.seed = seed;
    this.reactions.clear();
    this.uploads.clear();
    this.files.clear();
    this.extras.clear();
    this.verifiedUrls.clear();
    this.fileCounter = 0;
    this.eventCounter = 0;
  }

  /** Adds a user's reaction to a message; false when that user already reacted so (Slack's `already_reacted`). */
  addReaction(channelId: string, ts: string, name: string, user: string): boolean {
    const key = `${channelId}:${ts}`;
    const byName = this.reactions.get(key) ?? new Map<string, string[]>();
    const users = byName.get(name) ?? [];
    if (users.includes(user)) return false;
    byName.set(name, [...users, user]);
    this.reactions.set(key, byName);
    return true;
  }

  /** Takes a user's reaction back; false when there was none (Slack's `no_reaction`). */
  removeReaction(channelId: string, ts: string, name: string, user: string): boolean {
    const key = `${channelId}:${ts}`;
    const byName = this.reactions.get(key);
    const users = byName?.get(name);
    if (!byName || !users?.includes(user)) return false;
    const rest = users.filter((other) => other !== user);
    // An emoji nobody uses any more disappears from the message, as in Slack's UI and API.
    if (rest.length > 0) byName.set(name, rest);
    else byName.delete(name);
    if (byName.size === 0) this.reactions.delete(key);
    return true;
  }

  /** File ids are "F" + 10 upper-case characters, deterministic per world seed and upload order. */
  nextFileId(): string {
    this.fileCounter += 1;
    return `F${digest(`file:${this.seed}:${this.fileCounter}`, 10)}`;
  }

  nextEventId(): string {
    this.eventCounter += 1;
    return `Ev${digest(`event:${this.seed}:${this.eventCounter}`, 10)}`;
  }

  uploadToken(fileId: string): string {
    return createHash('sha256').update(`upload:${this.seed}:${fileId}`).digest('hex').slice(0, 32);
  }
}

function digest(input: string, length: number): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length).toUpperCase();
}
