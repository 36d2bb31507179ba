import { Router } from '@koa/router';
import type { Context } from 'koa';
import { parse as parseQuery } from 'qs';
import { changeSetFor, type ChangeKind } from './changes.js';
import { checkBase, notFound, tableOf, type ApiDeps } from './context.js';
import { unprocessable } from './errors.js';
import { listPage, parseListParams, renderRecord, type RenderOptions } from './list.js';
import { findField, findRow } from './schema.js';
import { coerceCell, rowId, type Cells, type Row, type TableDef } from './tables.js';

/** Airtable's batch limit for create, update and delete. */
export const MAX_RECORDS_PER_REQUEST = 10;

type Body = Record<string, unknown>;

/** qs with room for Airtable's arrays (`records[]`, `fields[]`, `sort[0][field]`). */
const query = (ctx: Context) => parseQuery(ctx.querystring, { arrayLimit: 1000, depth: 4 }) as Body;

function checkCount(count: number, verb: string): void {
  if (count === 0) throw unprocessable('INVALID_RECORDS', `At least one record must be ${verb}`);
  if (count > MAX_RECORDS_PER_REQUEST) {
    throw unprocessable(
      'INVALID_RECORDS',
      `A maximum of ${MAX_RECORDS_PER_REQUEST} records can be ${verb} per request but you have provided ${count}.`,
    );
  }
}

/** Written cells by field name, checked against the table (unknown names → UNKNOWN_FIELD_NAME). */
function writtenCells(table: TableDef, fields: unknown, typecast: boolean): Partial<Cells> {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    throw unprocessable('INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "fields" in the request body');
  }
  const cells: Partial<Cells> = {};
  for (const [nameOrId, value] of Object.entries(fields)) {
    const field = findField(table, nameOrId);
    if (!field) throw unprocessable('UNKNOWN_FIELD_NAME', `Unknown field name: "${nameOrId}"`);
    // Null clears the cell; the key stays so the write knows the field was given.
    cells[field.name] = coerceCell(field, value, typecast) ?? undefined;
  }
  return cells;
}

function renderOptions(body: Body): RenderOptions {
  return { byFieldId: body.returnFieldsByFieldId === true };
}

export function recordsRouter(deps: ApiDeps): Router {
  const router = new Router();
  const world = () => deps.sandbox.world;

  const notify = (table: TableDef, kind: ChangeKind, rows: Row[]) => {
    if (rows.length === 0) return;
    const state = deps.state();
    state.webhooks.record(changeSetFor(table, kind, rows, world(), state), 'publicApi', deps.user);
  };

  const rowOrThrow = (table: TableDef, id: string, batch: boolean): Row => {
    const row = findRow(table, id, world(), deps.state());
    if (row) return row;
    if (batch) throw unprocessable('ROW_DOES_NOT_EXIST', `Record ID ${id} does not exist in this table`);
    throw notFound(`Could not find record ${id}`);
  };

  const list = (ctx: Context, raw: Body) => {
    const table = tableOf(deps, ctx);
    const params = parseListParams(raw, table);
    ctx.body = listPage(table, params, world(), deps.state());
  };

  router.get('/v0/:baseId/:table', (ctx) => list(ctx, query(ctx)));
  router.post('/v0/:baseId/:table/listRecords', (ctx) => list(ctx, { ...query(ctx), ...(ctx.request.body as Body) }));

  router.get('/v0/:baseId/:table/:recordId', (ctx) => {
    const table = tableOf(deps, ctx);
    const row = rowOrThrow(table, ctx.params.recordId!, false);
    const byFieldId = query(ctx).returnFieldsByFieldId === 'true';
    ctx.body = renderRecord(table, row, world(), deps.state(), { byFieldId });
  });

  router.post('/v0/:baseId/:table', (ctx) => {
    const table = tableOf(deps, ctx);
    const body = (ctx.request.body ?? {}) as Body;
    const typecast = body.typecast === true;
    const single = !Array.isArray(body.records);
    const inputs = single ? [{ fields: body.fields }] : (body.records as Body[]);
    checkCount(inputs.length, 'created');
    const writes = inputs.map((input) => writtenCells(table, input?.fields, typecast));
    const now = Date.now();
    const rows = writes.map((cells) => table.create(world(), deps.state(), cells, now));
    notify(table, 'create', rows);
    const records = rows.map((row) => renderRecord(table, row, world(), deps.state(), renderOptions(body)));
    ctx.body = single ? records[0] : { records };
  });

  const batchUpdate = (replace: boolean) => (ctx: Context) => {
    const table = tableOf(deps, ctx);
    const body = (ctx.request.body ?? {}) as Body;
    const typecast = body.typecast === true;
    if (!Array.isArray(body.records)) {
      throw unprocessable('INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "records" in the request body');
    }
    const inputs = body.records as Body[];
    checkCount(inputs.length, 'updated');
    const upsert = body.performUpsert as { fieldsToMergeOn?: unknown } | undefined;
    const mergeOn = upsert ? mergeFields(table, upsert.fieldsToMergeOn) : null;
    const planned = inputs.map((input) => {
      const cells = writtenCells(table, input?.fields, typecast);
      if (typeof input?.id === 'string') return { row: rowOrThrow(table, input.id, true) as Row | null, cells };
      if (!mergeOn) throw unprocessable('INVALID_RECORDS', 'Each record must have an id');
      return { row: matchForUpsert(table, mergeOn, cells), cells };
    });
    const now = Date.now();
    const rows: Row[] = [];
    const created: Row[] = [];
    const updated: Row[] = [];
    for (const { row, cells } of planned) {
      if (row) {
        table.update(world(), row, cells, replace, now);
        updated.push(row);
        rows.push(row);
      } else {
        const fresh = table.create(world(), deps.state(), cells, now);
        created.push(fresh);
        rows.push(fresh);
      }
    }
    notify(table, 'update', updated);
    notify(table, 'create', created);
    const records = rows.map((row) => renderRecord(table, row, world(), deps.state(), renderOptions(body)));
    ctx.body = mergeOn
      ? {
          records,
          createdRecords: created.map((row) => rowId(table, row)),
          updatedRecords: updated.map((row) => rowId(table, row)),
        }
      : { records };
  };

  const mergeFields = (table: TableDef, names: unknown): string[] => {
    if (!Array.isArray(names) || names.length < 1 || names.length > 3) {
      throw unprocessable('INVALID_REQUEST_UNKNOWN', 'performUpsert.fieldsToMergeOn must list 1 to 3 fields');
    }
    return names.map((name) => {
      const field = typeof name === 'string' ? findField(table, name) : undefined;
      if (!field) throw unprocessable('UNKNOWN_FIELD_NAME', `Unknown field name: "${String(name)}"`);
      return field.name;
    });
  };

  const matchForUpsert = (table: TableDef, mergeOn: string[], cells: Partial<Cells>): Row | null => {
    const state = deps.state();
    const wanted = mergeOn.map((name) => JSON.stringify(cells[name] ?? null));
    const found = table.rows(world()).filter((row) => {
      if (!table.visible(row, state)) return false;
      const current = table.cells(row, world(), state);
      return mergeOn.every((name, index) => JSON.stringify(current[name] ?? null) === wanted[index]);
    });
    if (found.length > 1) {
      throw unprocessable('INVALID_VALUE_FOR_COLUMN', 'Multiple records match the fields to merge on');
    }
    return found[0] ?? null;
  };

  const singleUpdate = (replace: boolean) => (ctx: Context) => {
    const table = tableOf(deps, ctx);
    const body = (ctx.request.body ?? {}) as Body;
    const row = rowOrThrow(table, ctx.params.recordId!, false);
    const cells = writtenCells(table, body.fields, body.typecast === true);
    table.update(world(), row, cells, replace, Date.now());
    notify(table, 'update', [row]);
    ctx.body = renderRecord(table, row, world(), deps.state(), renderOptions(body));
  };

  router.patch('/v0/:baseId/:table', batchUpdate(false));
  router.put('/v0/:baseId/:table', batchUpdate(true));
  router.patch('/v0/:baseId/:table/:recordId', singleUpdate(false));
  router.put('/v0/:baseId/:table/:recordId', singleUpdate(true));

  const destroy = (table: TableDef, ids: string[], batch: boolean) => {
    const rows = ids.map((id) => rowOrThrow(table, id, batch));
    for (const row of rows) table.destroy(world(), deps.state(), row);
    notify(table, 'destroy', rows);
    return ids.map((id) => ({ id, deleted: true }));
  };

  router.delete('/v0/:baseId/:table', (ctx) => {
    const table = tableOf(deps, ctx);
    const raw = query(ctx).records;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
    checkCount(ids.length, 'deleted');
    ctx.body = { records: destroy(table, ids, false) };
  });

  router.delete('/v0/:baseId/:table/:recordId', (ctx) => {
    const table = tableOf(deps, ctx);
    ctx.body = destroy(table, [ctx.params.recordId!], false)[0];
  });

  // Keeps the base check for paths that name the base but no table route matched.
  router.all('/v0/:baseId', (ctx) => {
    checkBase(deps, ctx.params.baseId);
    throw notFound('Could not find what you are looking for');
  });

  return router;
}
