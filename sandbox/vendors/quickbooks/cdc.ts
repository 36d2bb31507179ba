import { faults, QboFault } from './errors.js';
import { idOf, parseQboTime, qboDateTime, qboTime } from './format.js';
import { tableNamed, type EntityTable } from './tables.js';
import type { QboObject, QboView } from './views.js';

const DAY = 86_400_000;

export interface CdcLimits {
  lookbackDays: number;
  maxObjects: number;
}

/**
 * Change Data Capture: every object of the listed entities changed since `changedSince`, grouped by entity and
 * ordered by last update, deleted objects last as `{Id, status:"Deleted", MetaData}`. At most `maxObjects` in
 * all; the look-back may not pass `lookbackDays`.
 */
export function runCdc(
  view: QboView,
  entities: string | undefined,
  changedSince: string | undefined,
  limits: CdcLimits,
  now = Date.now(),
): QboObject {
  if (!entities) throw faults.required('entities');
  if (!changedSince) throw faults.required('changedSince');
  const since = parseQboTime(changedSince);
  if (Number.isNaN(since)) throw faults.invalidRequest(`changedSince is not a valid date-time: ${changedSince}`);
  // The exact fault QBO gives for a too-old changedSince is UNVERIFIED; the 30-day limit is documented.
  if (since < now - limits.lookbackDays * DAY) {
    throw new QboFault(
      400,
      '4000',
      'Error parsing query',
      `changedSince cannot be more than ${limits.lookbackDays} days in the past`,
    );
  }
  const tables: EntityTable[] = [];
  for (const name of entities.split(',').map((entity) => entity.trim())) {
    const table = tableNamed(name);
    if (!table) throw faults.queryInvalid(`Entity '${name}' is not supported by the sandbox for CDC`);
    if (!tables.includes(table)) tables.push(table);
  }

  let budget = limits.maxObjects;
  const groups: QboObject[] = tables.map((table) => {
    const changed = table
      .rows(view.world)
      .filter((row) => table.exists(view, row) && table.lastUpdated(row) >= since)
      .sort((a, b) => table.lastUpdated(a) - table.lastUpdated(b));
    const live = changed.filter((row) => !table.deleted(row));
    const gone = changed.filter((row) => table.deleted(row));
    const objects: QboObject[] = [
      ...live.map((row) => table.render(view, row)),
      ...gone.map((row) => ({
        status: 'Deleted',
        domain: 'QBO',
        Id: idOf(row.key),
        MetaData: { LastUpdatedTime: qboDateTime(table.lastUpdated(row)) },
      })),
    ].slice(0, Math.max(0, budget));
    budget -= objects.length;
    if (objects.length === 0) return {};
    return { [table.name]: objects, startPosition: 1, maxResults: objects.length, totalCount: objects.length };
  });
  return { CDCResponse: [{ QueryResponse: groups }], time: qboTime(now) };
}
