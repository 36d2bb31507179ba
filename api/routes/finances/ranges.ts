import type { DayRange } from '../../../db/repositories/finance-reports.js';
import { AppError } from '../../errors.js';

/** The longest report range: it bounds the work one uncached report can ask of the database. */
export const MAX_REPORT_YEARS = 5;

function invalidQuery(path: string, message: string): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', [{ location: 'query', path, message }]);
}

/** Today's date in UTC, YYYY-MM-DD: every finance day is a UTC calendar day. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `from`/`to` are validated as dates by the schema; their order is a rule between two fields, checked here. */
export function assertDayOrder(from: string | undefined, to: string | undefined): void {
  // YYYY-MM-DD strings compare in calendar order.
  if (from !== undefined && to !== undefined && from > to) throw invalidQuery('/from', 'must be on or before to');
}

/**
 * A report's range: both ends given, or the calendar year of the one given, or this year. Longer than
 * MAX_REPORT_YEARS is refused rather than silently cut.
 */
export function reportRange(from: string | undefined, to: string | undefined, today = todayUtc()): DayRange {
  assertDayOrder(from, to);
  const year = (from ?? to ?? today).slice(0, 4);
  const range = { from: from ?? `${(to ?? today).slice(0, 4)}-01-01`, to: to ?? `${year}-12-31` };
  const limit = new Date(`${range.from}T00:00:00Z`);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_REPORT_YEARS);
  if (new Date(`${range.to}T00:00:00Z`) >= limit) {
    throw invalidQuery('/to', `must be less than ${MAX_REPORT_YEARS} years after from`);
  }
  return range;
}
