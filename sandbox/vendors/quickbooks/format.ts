/** Wire formats of QBO values: money in dollars, dates, timestamps and ids. */

/** Cents → dollars with at most two decimals (QBO amounts are JSON numbers). */
export function dollars(cents: number): number {
  return Math.round(cents) / 100;
}

/** Dollars (number or numeric string) → cents; NaN when it is not a number. */
export function cents(amount: unknown): number {
  const value = typeof amount === 'string' ? Number(amount) : typeof amount === 'number' ? amount : Number.NaN;
  return Math.round(value * 100);
}

/** QBO's entity timestamps: seconds precision with an offset, e.g. 2015-07-24T10:33:39+00:00 (UTC here). */
export function qboDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** The `time` of every reply: milliseconds and an offset. */
export function qboTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** TxnDate / DueDate: a calendar date. */
export function qboDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses a QBO date or date-time; node-quickbooks leaves `+` unescaped in URLs, so a space may stand for it. */
export function parseQboTime(value: string): number {
  const text = value.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  return Date.parse(text);
}

/** QBO ids are numeric strings; the sandbox derives them from world keys (key 0 → "1"). */
export function idOf(key: number): string {
  return String(key + 1);
}

/** The world key for a QBO id, or null when the id cannot be one of ours. */
export function keyOf(id: unknown): number | null {
  const text = typeof id === 'number' ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9]\d{0,9}$/.test(text)) return null;
  return Number(text) - 1;
}

/** A small stable hash, for ids of reference objects (accounts, vendors) the world only knows by name. */
export function stableId(name: string, base: number): string {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return String(base + (hash % 9000));
}
