import type { World } from '../../core/world.js';
import { unprocessable } from './errors.js';
import { airtableId, keyOfRecordId, recordId } from './ids.js';
import type { AirtableState } from './state.js';

export type CellValue = string | number | boolean | string[];
export type Cells = Record<string, CellValue>;

export type FieldType =
  | 'singleLineText'
  | 'email'
  | 'phoneNumber'
  | 'checkbox'
  | 'number'
  | 'currency'
  | 'singleSelect'
  | 'dateTime'
  | 'multipleRecordLinks'
  | 'lastModifiedTime';

export interface FieldDef {
  id: string;
  name: string;
  type: FieldType;
  options?: { choices?: readonly string[]; linkedTable?: string };
}

export interface Row {
  key: number;
  createdAt: number;
  updatedAt: number;
}

/** One Airtable table backed by a world collection. Cells are keyed by field name and never hold empty values. */
export interface TableDef {
  id: string;
  name: string;
  fields: readonly FieldDef[];
  rows(world: World): readonly Row[];
  visible(row: Row, state: AirtableState): boolean;
  cells(row: Row, world: World, state: AirtableState): Cells;
  create(world: World, state: AirtableState, cells: Partial<Cells>, now: number): Row;
  /** `replace` (PUT) clears every writable field that is not given. */
  update(world: World, row: Row, cells: Partial<Cells>, replace: boolean, now: number): void;
  destroy(world: World, state: AirtableState, row: Row): void;
}

export function field(table: string, name: string, type: FieldType, options?: FieldDef['options']): FieldDef {
  return { id: airtableId('fld', `${table}.${name}`), name, type, ...(options ? { options } : {}) };
}

export const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? undefined : new Date(ms).toISOString();

/** Drops the values Airtable leaves out of a record: blanks, false checkboxes, empty link lists. */
export function compact(cells: Record<string, CellValue | null | undefined>): Cells {
  const out: Cells = {};
  for (const [name, value] of Object.entries(cells)) {
    if (value === null || value === undefined || value === '' || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[name] = value;
  }
  return out;
}

const invalidValue = (fieldDef: FieldDef, value: unknown) =>
  unprocessable(
    'INVALID_VALUE_FOR_COLUMN',
    `Field "${fieldDef.name}" cannot accept the provided value: ${JSON.stringify(value)}`,
  );

/**
 * Checks one written cell the way the API does (the typecast flag allows string → number/boolean/date
 * conversion). Null clears the cell.
 */
export function coerceCell(fieldDef: FieldDef, value: unknown, typecast: boolean): CellValue | null {
  if (fieldDef.type === 'lastModifiedTime') {
    throw unprocessable(
      'INVALID_VALUE_FOR_COLUMN',
      `Field "${fieldDef.name}" cannot accept a value because the field is computed`,
    );
  }
  if (value === null || value === undefined) return null;
  switch (fieldDef.type) {
    case 'singleLineText':
    case 'email':
    case 'phoneNumber':
      if (typeof value === 'string') return value;
      if (typecast && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
      throw invalidValue(fieldDef, value);
    case 'checkbox':
      if (typeof value === 'boolean') return value;
      if (typecast && typeof value === 'string') return value !== '' && value.toLowerCase() !== 'false';
      throw invalidValue(fieldDef, value);
    case 'number':
    case 'currency': {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (typecast && Number.isFinite(parsed)) return parsed;
      throw invalidValue(fieldDef, value);
    }
    case 'singleSelect': {
      if (typeof value !== 'string') throw invalidValue(fieldDef, value);
      if (!fieldDef.options?.choices?.includes(value)) {
        // The sandbox cannot add options to the world's enums, so typecast does not help either.
        throw unprocessable(
          'INVALID_MULTIPLE_CHOICE_OPTIONS',
          `Insufficient permissions to create new select option ""${value}""`,
        );
      }
      return value;
    }
    case 'dateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalidValue(fieldDef, value);
      return new Date(value).toISOString();
    }
    case 'multipleRecordLinks': {
      const ids = typeof value === 'string' && typecast ? [value] : value;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw invalidValue(fieldDef, value);
      const linked = fieldDef.options?.linkedTable ?? '';
      for (const id of ids) {
        if (keyOfRecordId(linked, id) === null) {
          throw unprocessable('ROW_DOES_NOT_EXIST', `Record ID ${id} does not exist in table ${linked}`);
        }
      }
      return ids;
    }
  }
}

/** World key of the first linked record of a link cell. */
export function linkedKey(fieldDef: FieldDef, cell: CellValue | null | undefined): number | null {
  if (!Array.isArray(cell) || cell.length === 0) return null;
  return keyOfRecordId(fieldDef.options?.linkedTable ?? '', cell[0]!);
}

export const rowId = (table: TableDef, row: Row) => recordId(table.name, row.key);
