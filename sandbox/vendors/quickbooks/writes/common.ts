import type { World } from '../../../core/world.js';
import { faults } from '../errors.js';
import { cents, keyOf } from '../format.js';
import type { QboState } from '../state.js';

export type Body = Record<string, unknown>;

/** What a write needs: the world to change, the simulator's own state, and the time of the request. */
export interface WriteContext {
  world: World;
  state: QboState;
  now: number;
}

/** The outcome of a write: which world row changed, so the route can render it and webhooks can report it. */
export interface WriteResult {
  key: number;
  action: 'create' | 'update' | 'delete';
}

const DAY = 86_400_000;

export function objectAt(body: Body, name: string): Body | undefined {
  const value = body[name];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined;
}

export function textAt(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The `value` of a reference such as `CustomerRef: {value: "3", name: "…"}` as a world key. */
export function refKey(body: Body, name: string): number | null {
  return keyOf(objectAt(body, name)?.value);
}

/** An amount in dollars as cents; a 2020/2010 fault when missing or not a number. */
export function amountAt(body: Body, name: string): number {
  if (body[name] === undefined) throw faults.required(name);
  const value = cents(body[name]);
  if (Number.isNaN(value) || value < 0) throw faults.invalidRequest(`${name} is not a valid amount`);
  return value;
}

/** TxnDate/DueDate ('YYYY-MM-DD') as epoch ms at noon UTC (so the calendar date survives any offset). */
export function dateAt(body: Body, name: string): number | undefined {
  const text = textAt(body, name);
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T12:00:00Z` : text);
  if (Number.isNaN(ms)) throw faults.invalidRequest(`${name} is not a valid date: ${text}`);
  return ms;
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY;
}

/** Finds the row an update or delete names by `Id`; 610 when it does not exist (or no longer does). */
export function rowById<R extends { key: number; deletedAt: number | null }>(
  rows: readonly R[],
  body: Body,
  entity: string,
  exists: (row: R) => boolean = (row) => !row.deletedAt,
): R {
  const id = textAt(body, 'Id');
  if (id === undefined) throw faults.required('Id');
  const key = keyOf(id);
  const row = key === null ? undefined : rows[key];
  if (!row || !exists(row)) throw faults.notFound(entity, id);
  return row;
}

/** Optimistic concurrency: the update must carry the current SyncToken, else 5010 Stale Object Error. */
export function checkSyncToken(current: number, body: Body): void {
  const given = textAt(body, 'SyncToken');
  if (given === undefined) throw faults.required('SyncToken');
  if (given !== String(current)) throw faults.stale();
}

/** node-quickbooks sends `sparse: true` unless told otherwise; a full update clears what it leaves out. */
export function isSparse(body: Body): boolean {
  return body.sparse === true || body.sparse === 'true';
}

/** Lines of a transaction that carry money (the SubTotal line is computed by QBO, not sent). */
export function moneyLines(body: Body): Body[] {
  const lines = body.Line;
  if (!Array.isArray(lines) || lines.length === 0) throw faults.required('Line');
  return lines.filter(
    (line): line is Body =>
      line !== null && typeof line === 'object' && (line as Body).DetailType !== 'SubTotalLineDetail',
  );
}
