import { createHash } from 'node:crypto';
import { vendorError } from './errors.js';

/*
 * Incremental sync for Jobber, which has no change feed: `filter: { updatedAt: { after } }` over the Relay
 * connection. Why the checkpoint is the vendor's own max `updatedAt` minus an overlap, plus fingerprints:
 *
 * - Our clock is not Jobber's, so "pass start time" could skip writes stamped by a Jobber clock running behind.
 *   The max `updatedAt` seen is on Jobber's clock.
 * - Jobber prints `updatedAt` to the second but compares `after` more finely, and a write can commit after a later
 *   one was already visible. So the next pass starts `overlapMs` before the max, and would re-send everything in
 *   that window.
 * - To report each change exactly once, the checkpoint keeps a fingerprint (hash of the parsed record) of every
 *   record in the window; the next pass drops a record whose fingerprint is unchanged. A record changed again
 *   within the same second still hashes differently, so it is not lost.
 *
 * Deletions: Jobber reports none this way (reconciliation is the workflow's job), so `deletedIds` stays empty.
 */

export interface Checkpoint {
  /** ISO time for `updatedAt.after`; null: a full pass. */
  after: string | null;
  /** externalId → fingerprint, for records with updatedAt ≥ after. */
  seen: Record<string, string>;
}

/** What a pass carries from page to page (inside the opaque cursor). */
export interface PassState {
  from: Checkpoint;
  relay: string | null;
  max: string | null;
  /** externalId → [updatedAt, fingerprint] for records within overlap of `max`. */
  recent: Record<string, [string, string]>;
}

interface Stamped {
  externalId: string;
  updatedAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function fingerprint(record: unknown): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 16);
}

/** Our JSON checkpoint, or a bare ISO time (e.g. a workflow seeding "since"); anything else needs a full pass. */
export function parseCheckpoint(value: string | undefined): Checkpoint {
  if (value === undefined || value === '') return { after: null, seen: {} };
  if (!value.startsWith('{')) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw vendorError('resync_required', `unreadable checkpoint ${JSON.stringify(value)}`);
    return { after: iso(ms), seen: {} };
  }
  try {
    const parsed = JSON.parse(value) as Partial<Checkpoint>;
    if ((parsed.after === null || typeof parsed.after === 'string') && typeof parsed.seen === 'object') {
      return { after: parsed.after, seen: parsed.seen ?? {} };
    }
  } catch {
    // fall through: unreadable
  }
  throw vendorError('resync_required', 'unreadable checkpoint');
}

export function encodeState(state: PassState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeState(cursor: string): PassState {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as PassState;
    if (state && typeof state === 'object' && state.from && typeof state.recent === 'object') return state;
  } catch {
    // fall through
  }
  throw vendorError('validation', 'not a cursor from this client');
}

export function startPass(checkpoint: string | undefined): PassState {
  return { from: parseCheckpoint(checkpoint), relay: null, max: null, recent: {} };
}

/**
 * Folds one page into the pass; returns the records that really changed (not already reported with the same
 * content by the previous pass).
 */
export function foldPage<T extends Stamped>(state: PassState, items: T[], overlapMs: number): T[] {
  const changed: T[] = [];
  for (const item of items) {
    const print = fingerprint(item);
    if (state.from.seen[item.externalId] !== print) changed.push(item);
    if (state.max === null || item.updatedAt > state.max) state.max = item.updatedAt;
    state.recent[item.externalId] = [item.updatedAt, print];
  }
  if (state.max !== null) {
    const floor = iso(Date.parse(state.max) - overlapMs);
    for (const [id, [updatedAt]] of Object.entries(state.recent)) if (updatedAt < floor) delete state.recent[id];
  }
  return changed;
}

/** The checkpoint to store after the last page; null when nothing was ever seen (next pass is full again). */
export function finishPass(state: PassState, overlapMs: number): string | null {
  if (state.max === null) {
    return state.from.after === null ? null : JSON.stringify(state.from);
  }
  const candidate = iso(Date.parse(state.max) - overlapMs);
  const after = state.from.after !== null && state.from.after > candidate ? state.from.after : candidate;
  const seen: Record<string, string> = {};
  // ≥, not >: Jobber compares `after` finer than the second it prints, so a record stamped `after` comes back.
  for (const [id, [updatedAt, print]] of Object.entries(state.recent)) if (updatedAt >= after) seen[id] = print;
  return JSON.stringify({ after, seen } satisfies Checkpoint);
}
