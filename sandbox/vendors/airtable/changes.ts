import type { World } from '../../core/world.js';
import { cellText } from './schema.js';
import type { AirtableState } from './state.js';
import { iso, rowId, type Row, type TableDef } from './tables.js';
import type { TableChangeSet } from './webhook-registry.js';

export type ChangeKind = 'create' | 'update' | 'destroy';

/** Cells keyed by field id in the webhook payload's "V2" cell format (links as `{id, name}`). */
function cellValuesByFieldId(table: TableDef, row: Row, world: World, state: AirtableState): Record<string, unknown> {
  const cells = table.cells(row, world, state);
  const out: Record<string, unknown> = {};
  for (const field of table.fields) {
    const value = cells[field.name];
    if (value === undefined) continue;
    out[field.id] = Array.isArray(value)
      ? value.map((id) => ({ id, name: String(cellText(field, [id], world, state)) }))
      : value;
  }
  return out;
}

/**
 * The webhook change set for rows of one table. Updates carry the current values of every non-empty cell: the
 * sandbox does not keep previous values, so it cannot narrow them to the cells that changed.
 */
export function changeSetFor(
  table: TableDef,
  kind: ChangeKind,
  rows: readonly Row[],
  world: World,
  state: AirtableState,
): TableChangeSet {
  const change: TableChangeSet = { tableId: table.id };
  if (kind === 'destroy') {
    change.destroyed = rows.map((row) => rowId(table, row));
  } else if (kind === 'create') {
    change.created = Object.fromEntries(
      rows.map((row) => [
        rowId(table, row),
        { createdTime: iso(row.createdAt)!, cellValuesByFieldId: cellValuesByFieldId(table, row, world, state) },
      ]),
    );
  } else {
    change.changed = Object.fromEntries(
      rows.map((row) => [
        rowId(table, row),
        { current: { cellValuesByFieldId: cellValuesByFieldId(table, row, world, state) } },
      ]),
    );
  }
  return change;
}
