import type { Sandbox } from '../../core/sandbox.js';
import type { World } from '../../core/world.js';
import { reminderHistory } from './history.js';
import type { MessageRecord } from './message.js';
import { sidHex, type ResolvedOptions } from './options.js';

/**
 * The account's message log: the world-derived history plus what was sent or received since, minus deletions.
 * Per-vendor state (minted SIDs, deletions, opt-outs) lives here and goes away on reset; the history is derived
 * from whichever world is current, never from a kept reference.
 */
export class MessageStore {
  private minted: MessageRecord[] = [];
  private readonly bySid = new Map<string, MessageRecord>();
  private readonly deleted = new Set<string>();
  private readonly optedOut = new Set<string>();
  private counter = 0;
  private readonly history = new WeakMap<World, { list: MessageRecord[]; bySid: Map<string, MessageRecord> }>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly options: ResolvedOptions,
  ) {
    this.reset();
  }

  reset(): void {
    this.minted = [];
    this.bySid.clear();
    this.deleted.clear();
    this.optedOut.clear();
    for (const number of this.options.unsubscribed) this.optedOut.add(number);
    this.counter = 0;
  }

  private historyOf(): { list: MessageRecord[]; bySid: Map<string, MessageRecord> } {
    const world = this.sandbox.world;
    let cached = this.history.get(world);
    if (!cached) {
      const list = reminderHistory(world, this.options);
      cached = { list, bySid: new Map(list.map((message) => [message.sid, message])) };
      this.history.set(world, cached);
    }
    return cached;
  }

  /** SMS SIDs start with SM, MMS with MM; deterministic in the world's seed and the sandbox's send counter. */
  nextSid(kind: 'outbound' | 'inbound', hasMedia: boolean): string {
    this.counter += 1;
    return `${hasMedia ? 'MM' : 'SM'}${sidHex(`${kind}:${this.sandbox.world.seed}:${this.counter}`)}`;
  }

  add(message: MessageRecord): void {
    this.minted.push(message);
    this.bySid.set(message.sid, message);
  }

  get(sid: string): MessageRecord | undefined {
    if (this.deleted.has(sid)) return undefined;
    return this.bySid.get(sid) ?? this.historyOf().bySid.get(sid);
  }

  remove(sid: string): boolean {
    if (!this.get(sid)) return false;
    this.deleted.add(sid);
    return true;
  }

  /** Newest first (everything minted is newer than the world's history). */
  all(): MessageRecord[] {
    const live = (message: MessageRecord) => !this.deleted.has(message.sid);
    return [...this.minted].reverse().concat(this.historyOf().list).filter(live);
  }

  isOptedOut(number: string): boolean {
    return this.optedOut.has(number);
  }

  /** Twilio's default opt-out keywords, applied to inbound messages. */
  applyKeyword(from: string, body: string): void {
    const word = body.trim().toUpperCase();
    if (['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'].includes(word)) {
      this.optedOut.add(from);
    } else if (['START', 'UNSTOP', 'YES'].includes(word)) {
      this.optedOut.delete(from);
    }
  }
}
