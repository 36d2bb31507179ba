import type { World } from '../../core/world.js';
import { lastUpdated, type QboObject, type QboView } from './views.js';

/** The QBO entities the simulator serves; each is backed by one table of the world. */
export const ENTITY_NAMES = ['Customer', 'Invoice', 'Payment', 'Purchase'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export interface TableRow {
  key: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface EntityTable {
  name: EntityName;
  /** The world entity (control-API change) behind it. */
  worldEntity: 'customer' | 'invoice' | 'payment' | 'expense';
  rows(world: World): readonly TableRow[];
  /** QBO has a copy of this row (a customer missing in QBO, or an invoice of one, does not exist there). */
  exists(view: QboView, row: TableRow): boolean;
  /**
   * Gone from QBO: a deleted transaction (reported by CDC as `status: "Deleted"`). Customers are never deleted,
   * only made inactive, so for them a world deletion shows as `Active: false`.
   */
  deleted(row: TableRow): boolean;
  render(view: QboView, row: TableRow): QboObject;
  lastUpdated(row: TableRow): number;
  /** Lower-cased property paths a query may filter or order on. */
  queryable: ReadonlySet<string>;
  /** Name-list entities: queries return only active rows unless they filter on `Active`. */
  activeByDefault: boolean;
}

const COMMON = ['id', 'metadata.createtime', 'metadata.lastupdatedtime'];
const TXN = [...COMMON, 'txndate', 'totalamt', 'docnumber'];

export const TABLES: Record<EntityName, EntityTable> = {
  Customer: {
    name: 'Customer',
    worldEntity: 'customer',
    rows: (world) => world.customers,
    exists: (view, row) => view.customerOf(row.key) !== undefined,
    deleted: () => false,
    render: (view, row) => view.customer(view.world.customers[row.key]!),
    lastUpdated: (row) => row.updatedAt,
    queryable: new Set([
      ...COMMON,
      'displayname',
      'givenname',
      'familyname',
      'companyname',
      'fullyqualifiedname',
      'printoncheckname',
      'primaryemailaddr',
      'active',
      'balance',
    ]),
    activeByDefault: true,
  },
  Invoice: {
    name: 'Invoice',
    worldEntity: 'invoice',
    rows: (world) => world.invoices,
    exists: (view, row) => view.hasInvoice(view.world.invoices[row.key]!),
    deleted: (row) => row.deletedAt !== null,
    render: (view, row) => view.invoice(view.world.invoices[row.key]!),
    lastUpdated: (row) => lastUpdated(row),
    queryable: new Set([...TXN, 'customerref', 'duedate', 'balance']),
    activeByDefault: false,
  },
  Payment: {
    name: 'Payment',
    worldEntity: 'payment',
    rows: (world) => world.payments,
    exists: (view, row) => view.hasPayment(view.world.payments[row.key]!),
    deleted: (row) => row.deletedAt !== null,
    render: (view, row) => view.payment(view.world.payments[row.key]!),
    lastUpdated: (row) => lastUpdated(row),
    queryable: new Set([...TXN, 'customerref']),
    activeByDefault: false,
  },
  Purchase: {
    name: 'Purchase',
    worldEntity: 'expense',
    rows: (world) => world.expenses,
    exists: () => true,
    deleted: (row) => row.deletedAt !== null,
    render: (view, row) => view.purchase(view.world.expenses[row.key]!),
    lastUpdated: (row) => lastUpdated(row),
    queryable: new Set([...TXN, 'paymenttype', 'entityref', 'accountref']),
    activeByDefault: false,
  },
};

/** The table for an entity name in any casing (URLs use lower case, queries any case). */
export function tableNamed(name: string): EntityTable | undefined {
  const match = ENTITY_NAMES.find((entity) => entity.toLowerCase() === name.toLowerCase());
  return match ? TABLES[match] : undefined;
}

export function tableFor(worldEntity: string): EntityTable | undefined {
  return Object.values(TABLES).find((table) => table.worldEntity === worldEntity);
}

/** A row QBO shows: it has a copy and the row is not a deleted transaction. */
export function visible(table: EntityTable, view: QboView, row: TableRow): boolean {
  return table.exists(view, row) && !table.deleted(row);
}
