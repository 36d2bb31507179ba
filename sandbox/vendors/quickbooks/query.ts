import { faults } from './errors.js';
import { satisfiesComparison } from '../../core/comparison.js';
import { qboTime } from './format.js';
import { parseQuery, type Condition, type Literal, type Statement } from './query-parser.js';
import { tableNamed, visible, type EntityTable, type TableRow } from './tables.js';
import type { QboObject, QboView } from './views.js';

/** Reads a property path case-insensitively; references and addresses compare by their value. */
function valueAt(object: QboObject, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    const name = Object.keys(record).find((key) => key.toLowerCase() === part.toLowerCase());
    current = name === undefined ? undefined : record[name];
  }
  if (current !== null && typeof current === 'object') {
    const record = current as Record<string, unknown>;
    return record.value ?? record.Address ?? record.FreeFormNumber;
  }
  return current;
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** Compares an entity value with a query literal: dates as instants, numbers as numbers, text case-insensitively. */
function compare(actual: unknown, literal: Literal): number | null {
  if (actual === undefined || actual === null) return null;
  if (typeof actual === 'boolean') return actual === (literal === true || literal === 'true') ? 0 : 1;
  if (typeof actual === 'number') {
    const wanted = Number(literal);
    return Number.isNaN(wanted) ? null : Math.sign(actual - wanted);
  }
  const text = String(actual);
  if (DATE_LIKE.test(text) && typeof literal === 'string' && DATE_LIKE.test(literal)) {
    if (text.length === 10 && literal.length === 10) return text.localeCompare(literal);
    return Math.sign(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) - Date.parse(literal));
  }
  if (/^\d+$/.test(text) && /^\d+$/.test(String(literal))) return Math.sign(Number(text) - Number(literal));
  return text.toLowerCase().localeCompare(String(literal).toLowerCase());
}

function likePattern(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\*]/g, '\\$&').replace(/%/g, '.*');
  return new RegExp(`^${body}$`, 'is');
}

function matches(object: QboObject, condition: Condition): boolean {
  const actual = valueAt(object, condition.field);
  if (condition.operator === 'IN') {
    return (condition.value as Literal[]).some((literal) => compare(actual, literal) === 0);
  }
  const literal = condition.value as Literal;
  if (condition.operator === 'LIKE') return actual != null && likePattern(String(literal)).test(String(actual));
  const order = compare(actual, literal);
  if (order === null) return false;
  return satisfiesComparison(condition.operator, order);
}

function checkQueryable(table: EntityTable, statement: Statement): void {
  const fields = [...statement.where.map((c) => c.field), ...statement.orderBy.map((o) => o.field)];
  for (const field of fields) {
    if (!table.queryable.has(field.toLowerCase())) throw faults.queryInvalid(`property '${field}' is not queryable`);
  }
}

function project(object: QboObject, fields: string[]): QboObject {
  const picked: QboObject = { domain: object.domain, sparse: true, Id: object.Id };
  for (const field of fields) {
    const name = Object.keys(object).find((key) => key.toLowerCase() === field.toLowerCase());
    if (name) picked[name] = object[name];
  }
  return picked;
}

/** What a query's rows looked like when its order was worked out: any create, change or delete alters it. */
function rowsFingerprint(table: EntityTable, rows: readonly TableRow[]): string {
  let newest = 0;
  let atNewest = 0;
  for (const row of rows) {
    const updated = table.lastUpdated(row);
    if (updated > newest) [newest, atNewest] = [updated, 1];
    else if (updated === newest) atNewest += 1;
  }
  return `${rows.length}:${newest}:${atNewest}`;
}

const orderedQueries = new WeakMap<object, Map<string, { fingerprint: string; rows: TableRow[] }>>();

/**
 * The rows a filtered or ordered query matches, in its order. A sync pages through one query with growing
 * STARTPOSITION; rendering, filtering and sorting every row again for each page made a 200k-invoice sync quadratic,
 * so the order is kept per world and query while the rows are unchanged, and only the page is rendered.
 */
function matchingRowsInOrder(
  view: QboView,
  table: EntityTable,
  rows: TableRow[],
  where: readonly Condition[],
  statement: Statement,
): TableRow[] {
  const key = JSON.stringify([table.name, where, statement.orderBy]);
  const fingerprint = rowsFingerprint(table, rows);
  const known = orderedQueries.get(view.world) ?? new Map<string, { fingerprint: string; rows: TableRow[] }>();
  orderedQueries.set(view.world, known);
  const cached = known.get(key);
  if (cached && cached.fingerprint === fingerprint) return cached.rows;
  let matched = rows
    .map((row) => ({ row, object: table.render(view, row) }))
    .filter(({ object }) => where.every((c) => matches(object, c)));
  if (statement.orderBy.length) {
    matched = matched.sort((a, b) => {
      for (const { field, descending } of statement.orderBy) {
        const right = valueAt(b.object, field);
        const order = compare(valueAt(a.object, field), right === undefined ? '' : (right as Literal)) ?? 0;
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    });
  }
  const ordered = matched.map(({ row }) => row);
  known.set(key, { fingerprint, rows: ordered });
  return ordered;
}

/**
 * Runs a query statement: `{"QueryResponse":{"<Entity>":[…],"startPosition","maxResults"},"time"}`, where
 * maxResults is the number of rows returned (node-quickbooks' fetchAll relies on it), `{}` when nothing matched,
 * and `{"totalCount"}` for `select count(*)`.
 */
export function runQuery(view: QboView, text: string, pageLimit: number): QboObject {
  const statement = parseQuery(text);
  const table = tableNamed(statement.entity);
  if (!table) throw faults.queryInvalid(`Entity '${statement.entity}' is not supported by the sandbox`);
  checkQueryable(table, statement);
  const where = [...statement.where];
  if (table.activeByDefault && !where.some((c) => c.field.toLowerCase() === 'active')) {
    where.push({ field: 'Active', operator: '=', value: true });
  }
  const rows = table.rows(view.world).filter((row) => visible(table, view, row));
  const time = qboTime();
  const start = statement.startPosition - 1;
  const limit = Math.min(statement.maxResults ?? pageLimit, pageLimit);

  let page: QboObject[];
  let total: number;
  if (where.every((c) => c.field.toLowerCase() === 'active' && c.value === true) && !statement.orderBy.length) {
    // Fast path for the common "everything, in Id order" sync query: render only the page.
    const active = where.length ? rows.filter((row) => !row.deletedAt) : rows;
    total = active.length;
    page = active.slice(start, start + limit).map((row: TableRow) => table.render(view, row));
  } else {
    const ordered = matchingRowsInOrder(view, table, rows, where, statement);
    total = ordered.length;
    page = ordered.slice(start, start + limit).map((row) => table.render(view, row));
  }

  if (statement.select === 'count') return { QueryResponse: { totalCount: total }, time };
  if (Array.isArray(statement.select)) {
    const fields = statement.select;
    page = page.map((object) => project(object, fields));
  }
  if (page.length === 0) return { QueryResponse: {}, time };
  return {
    QueryResponse: { [table.name]: page, startPosition: statement.startPosition, maxResults: page.length },
    time,
  };
}
