import { GoogleError } from '../errors.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `timeMin`/`timeMax`/`updatedMin`: an RFC 3339 timestamp with a mandatory offset, else 400 on that parameter. */
export function timestampParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new GoogleError(400, 'invalid', 'Bad Request', { locationType: 'parameter', location: name });
  }
  return ms;
}

/** How far `timeZone` is ahead of UTC at `utcMs`, in milliseconds. */
function zoneOffset(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const part = (type: string) => Number(parts.find((item) => item.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

export interface EventTime {
  ms: number;
  allDay: boolean;
  timeZone?: string;
}

/**
 * An Event's `start`/`end`: `{date}` for all-day events or `{dateTime, timeZone?}`; a dateTime without an offset
 * is read in `timeZone`, and without either Calendar answers "Missing time zone definition for start time."
 */
export function parseEventTime(input: unknown, field: 'start' | 'end'): EventTime {
  const value = (input ?? {}) as { date?: unknown; dateTime?: unknown; timeZone?: unknown };
  const timeZone = typeof value.timeZone === 'string' ? value.timeZone : undefined;
  if (typeof value.date === 'string' && DATE.test(value.date)) {
    return { ms: Date.parse(`${value.date}T00:00:00Z`), allDay: true, timeZone };
  }
  if (typeof value.dateTime === 'string' && RFC3339.test(value.dateTime)) {
    return { ms: Date.parse(value.dateTime), allDay: false, timeZone };
  }
  if (typeof value.dateTime === 'string' && LOCAL.test(value.dateTime)) {
    if (!timeZone) throw new GoogleError(400, 'required', `Missing time zone definition for ${field} time.`);
    const guess = Date.parse(`${value.dateTime}Z`);
    try {
      return { ms: guess - zoneOffset(guess, timeZone), allDay: false, timeZone };
    } catch {
      throw new GoogleError(400, 'invalid', `Invalid time zone definition for ${field} time.`);
    }
  }
  if (value.date === undefined && value.dateTime === undefined) {
    throw new GoogleError(400, 'required', `Missing ${field} time.`);
  }
  throw new GoogleError(400, 'invalid', `Invalid ${field} time.`);
}
