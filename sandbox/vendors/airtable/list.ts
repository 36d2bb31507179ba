import { createHash, randomBytes } from 'node:crypto';
import type { World } from '../../core/world.js';
import { invalidRequest, unprocessable } from './errors.js';
import { parseFormula, matches, type Formula, type Value } from './formula.js';
import { keyOfRecordId } from './ids.js';
import { cellText, findField, GRID_VIEW } from './schema.js';
import type { AirtableState } from './state.js';
import { iso, rowId, type Cells, type Row, type TableDef } from './tables.js';

export interface ListParams {
  pageSize: number;
  maxRecords: number | null;
  offset: string | null;
  fields: string[] | null;
  sort: Array<{ field: string; direction: 'asc' | 'desc' }>;
  formula: Formula | null;
  formulaText: string;
  returnFieldsByFieldId: boolean;
  commentCount: boolean;
  cellFormatString: boolean;
}

export interface RenderOptions {
  fields?: string[] | null;
  byFieldId?: boolean;
  commentCount?: boolean;
  cellFormatString?: boolean;
}

export interface ApiRecord {
  id: string;
  createdTime: string;
  fields: Record<string, unknown>;
  commentCount?: number;
}

const MAX_PAGE_SIZE = 100;

function integer(value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) throw invalidRequest();
  return number;
}

const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [value];
const flag = (value: unknown) => value === true || value === 'true';

function fieldName(table: TableDef, nameOrId: unknown): string {
  const field = typeof nameOrId === 'string' ? findField(table, nameOrId) : undefined;
  if (!field) throw unprocessable('UNKNOWN_FIELD_NAME', `Unknown field name: ${JSON.stringify(nameOrId)}`);
  return field.name;
}

/**
 * List parameters from the GET query (parsed with qs, so `fields[]` and `sort[0][field]` arrive as arrays) or
 * from the JSON body of `POST …/listRecords`. Values are strings in the first case, typed in the second.
 */
export function parseListParams(raw: Record<string, unknown>, table: TableDef): ListParams {
  const pageSize = raw.pageSize ?? raw.limit;
  const view = raw.view;
  if (view !== undefined && view !== GRID_VIEW.name && view !== GRID_VIEW.id) {
    throw unprocessable('VIEW_NAME_NOT_FOUND', `Could not find view ${JSON.stringify(view)} in table ${table.name}`);
  }
  const cellFormat = raw.cellFormat ?? 'json';
  if (cellFormat !== 'json' && cellFormat !== 'string') throw invalidRequest();
  if (cellFormat === 'string' && (!raw.timeZone || !raw.userLocale)) throw invalidRequest();
  const formulaText = typeof raw.filterByFormula === 'string' ? raw.filterByFormula : '';
  const fieldNames = table.fields.map((field) => field.name);
  return {
    pageSize: pageSize === undefined ? MAX_PAGE_SIZE : integer(pageSize, 1, MAX_PAGE_SIZE),
    maxRecords: raw.maxRecords === undefined ? null : integer(raw.maxRecords, 1, Number.MAX_SAFE_INTEGER),
    offset: typeof raw.offset === 'string' && raw.offset !== '' ? raw.offset : null,
    fields: raw.fields === undefined ? null : list(raw.fields).map((name) => fieldName(table, name)),
    sort:
      raw.sort === undefined
        ? []
        : list(raw.sort).map((entry) => {
            const { field, direction = 'asc' } = (entry ?? {}) as { field?: unknown; direction?: unknown };
            if (direction !== 'asc' && direction !== 'desc') throw invalidRequest();
            return { field: fieldName(table, field), direction };
          }),
    formula: formulaText.trim() === '' ? null : parseFormula(formulaText, fieldNames),
    formulaText,
    returnFieldsByFieldId: flag(raw.returnFieldsByFieldId),
    commentCount: list(raw.recordMetadata ?? []).includes('commentCount'),
    cellFormatString: cellFormat === 'string',
  };
}

export function renderRecord(
  table: TableDef,
  row: Row,
  world: World,
  state: AirtableState,
  options: RenderOptions = {},
  cells: Cells = table.cells(row, world, state),
): ApiRecord {
  const fields: Record<string, unknown> = {};
  for (const field of table.fields) {
    const value = cells[field.name];
    if (value === undefined || (options.fields && !options.fields.includes(field.name))) continue;
    const shown = options.cellFormatString ? String(cellText(field, value, world, state)) : value;
    fields[options.byFieldId ? field.id : field.name] = shown;
  }
  return {
    id: rowId(table, row),
    createdTime: iso(row.createdAt)!,
    fields,
    ...(options.commentCount ? { commentCount: 0 } : {}),
  };
}

function formulaMatches(table: TableDef, formula: Formula, row: Row, cells: Cells, world: World, state: AirtableState) {
  return matches(formula, {
    id: rowId(table, row),
    createdTime: iso(row.createdAt)!,
    lastModifiedTime: iso(row.updatedAt)!,
    cell(name): Value {
      const field = findField(table, name)!;
      const value = cells[name];
      return value === undefined ? null : cellText(field, value, world, state);
    },
  });
}

function compareCells(a: Cells, b: Cells, sort: ListParams['sort']): number {
  for (const { field, direction } of sort) {
    const [x, y] = [a[field], b[field]];
    let order: number;
    // Empty cells come first in ascending order.
    if (x === undefined || y === undefined) order = x === y ? 0 : x === undefined ? -1 : 1;
    else if (typeof x === 'number' && typeof y === 'number') order = x - y;
    else order = String(x).localeCompare(String(y));
    if (order !== 0) return direction === 'desc' ? -order : order;
  }
  return 0;
}

/** Ties the opaque offset to the query it came from, so an offset cannot be replayed against another query. */
function queryTag(table: TableDef, params: ListParams): string {
  const subject = JSON.stringify([table.id, params.formulaText, params.sort, params.maxRecords]);
  return createHash('sha256').update(subject).digest('hex').slice(0, 14);
}

interface Cursor {
  /** World key to resume from (unsorted lists). */
  key: number;
  /** Records already returned by earlier pages. */
  returned: number;
  /** Sorted lists: the iterator holding the sorted keys of the first page's request. */
  iterator?: string;
}

/** Sorted-list iterators kept at once; older ones are dropped (a later page then re-sorts). */
const MAX_ITERATORS = 50;

/** Offsets look like Airtable's (`itr…/rec…`), with the count of records returned so far appended. */
function readOffset(offset: string, tag: string, table: TableDef): Cursor {
  const [prefix, id, returned, iterator] = offset.split('/');
  const key = id === undefined ? null : keyOfRecordId(table.name, id);
  if (prefix !== `itr${tag}` || key === null || !returned || !/^\d+$/.test(returned)) {
    throw unprocessable('INVALID_OFFSET_VALUE', `The value of offset ${JSON.stringify(offset)} is invalid`);
  }
  return { key, returned: Number(returned), ...(iterator ? { iterator } : {}) };
}

/**
 * One page of a list. Unsorted lists walk the world in key order (creation order) from the offset's record, so
 * paging a large table costs one page of work per request. Sorted lists are sorted once and the order kept in a
 * server-side iterator, as Airtable does (its offsets name an iterator); later pages show the rows' current values.
 */
export function listPage(
  table: TableDef,
  params: ListParams,
  world: World,
  state: AirtableState,
): { records: ApiRecord[]; offset?: string } {
  const tag = queryTag(table, params);
  const cursor = params.offset ? readOffset(params.offset, tag, table) : { key: 0, returned: 0 };
  const limit = Math.min(params.pageSize, (params.maxRecords ?? Infinity) - cursor.returned);
  const render = { fields: params.fields, byFieldId: params.returnFieldsByFieldId, commentCount: params.commentCount };
  const options = { ...render, cellFormatString: params.cellFormatString };
  const rows = table.rows(world);
  const picked: Array<{ row: Row; cells: Cells }> = [];
  const keep = (row: Row) => {
    if (!table.visible(row, state)) return null;
    const cells = table.cells(row, world, state);
    if (params.formula && !formulaMatches(table, params.formula, row, cells, world, state)) return null;
    return { row, cells };
  };

  let next: Row | undefined;
  let suffix = '';
  if (params.sort.length === 0) {
    for (let key = cursor.key; key < rows.length && limit > 0; key += 1) {
      const entry = keep(rows[key]!);
      if (!entry) continue;
      if (picked.length === limit) {
        next = entry.row;
        break;
      }
      picked.push(entry);
    }
  } else {
    let iterator = cursor.iterator;
    let keys = iterator ? state.iterators.get(iterator) : undefined;
    if (!keys) {
      const all = rows.map(keep).filter((entry) => entry !== null);
      all.sort((a, b) => compareCells(a.cells, b.cells, params.sort) || a.row.key - b.row.key);
      keys = all.map((entry) => entry.row.key);
      iterator = randomBytes(6).toString('hex');
      state.iterators.set(iterator, keys);
      for (const old of state.iterators.keys()) {
        if (state.iterators.size <= MAX_ITERATORS) break;
        state.iterators.delete(old);
      }
    }
    // Resume at the offset's record: rows deleted since the first page are skipped without shifting the rest.
    const at = params.offset ? keys.indexOf(cursor.key) : 0;
    const start = at >= 0 ? at : cursor.returned;
    const window: Row[] = [];
    for (let index = start; index < keys.length && window.length <= limit; index += 1) {
      const row = rows[keys[index]!]!;
      if (table.visible(row, state)) window.push(row);
    }
    picked.push(...window.slice(0, limit).map((row) => ({ row, cells: table.cells(row, world, state) })));
    next = limit > 0 ? window[limit] : undefined;
    suffix = `/${iterator}`;
  }

  const records = picked.map(({ row, cells }) => renderRecord(table, row, world, state, options, cells));
  const exhausted = params.maxRecords !== null && cursor.returned + records.length >= params.maxRecords;
  if (!next || exhausted) return { records };
  return { records, offset: `itr${tag}/${rowId(table, next)}/${cursor.returned + records.length}${suffix}` };
}
