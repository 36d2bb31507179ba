import type { World } from '../../core/world.js';
import { clientsTable } from './clients-table.js';
import { airtableId, keyOfRecordId } from './ids.js';
import { jobsTable } from './jobs-table.js';
import type { AirtableState } from './state.js';
import type { CellValue, FieldDef, Row, TableDef } from './tables.js';

/** The sandbox's one base and its tables. */
export const TABLES: readonly TableDef[] = [clientsTable, jobsTable];

export const BASE_NAME = 'Field Service CRM';
export const BASE_ID = airtableId('app', BASE_NAME);
export const GRID_VIEW = { id: airtableId('viw', 'Grid view'), name: 'Grid view', type: 'grid' } as const;

/** Table by name or id (the URL segment of `/v0/{baseId}/{tableIdOrName}`). */
export function findTable(nameOrId: string): TableDef | undefined {
  return TABLES.find((table) => table.name === nameOrId || table.id === nameOrId);
}

export function findField(table: TableDef, nameOrId: string): FieldDef | undefined {
  return table.fields.find((field) => field.name === nameOrId || field.id === nameOrId);
}

/** The live row behind a record id, or undefined when the table shows no such record. */
export function findRow(table: TableDef, id: string, world: World, state: AirtableState): Row | undefined {
  const key = keyOfRecordId(table.name, id);
  const row = key === null ? undefined : table.rows(world)[key];
  return row && table.visible(row, state) ? row : undefined;
}

/** How a cell reads inside a formula or in cellFormat=string: linked records by their primary field. */
export function cellText(field: FieldDef, value: CellValue, world: World, state: AirtableState): string | number {
  if (Array.isArray(value)) {
    const linked = findTable(field.options?.linkedTable ?? '');
    if (!linked) return value.join(', ');
    const primary = linked.fields[0]!.name;
    return value
      .map((id) => {
        const row = findRow(linked, id, world, state);
        return row ? String(linked.cells(row, world, state)[primary] ?? '') : '';
      })
      .join(', ');
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** `GET /v0/meta/bases/{baseId}/tables` shape. */
export function describeTables(): Record<string, unknown> {
  return {
    tables: TABLES.map((table) => ({
      id: table.id,
      name: table.name,
      primaryFieldId: table.fields[0]!.id,
      fields: table.fields.map((field) => ({
        id: field.id,
        name: field.name,
        type: field.type,
        ...describeOptions(field),
      })),
      views: [GRID_VIEW],
    })),
  };
}

function describeOptions(field: FieldDef): Record<string, unknown> {
  if (field.type === 'singleSelect') {
    const choices = (field.options?.choices ?? []).map((name) => ({ id: airtableId('sel', name), name }));
    return { options: { choices } };
  }
  if (field.type === 'multipleRecordLinks') {
    return { options: { linkedTableId: findTable(field.options?.linkedTable ?? '')?.id } };
  }
  if (field.type === 'currency') return { options: { precision: 2, symbol: '$' } };
  if (field.type === 'number') return { options: { precision: 0 } };
  return {};
}
