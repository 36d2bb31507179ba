import type { ResourceRecords } from '../core/records.js';
import { parseCustomer, parseInvoice, parsePayment, parsePurchase, type QboEntity } from './payloads.js';
import type { QuickBooksInstance } from './sdk.js';

export type QuickbooksResource = 'customers' | 'invoices' | 'payments' | 'expenses';

export const QUICKBOOKS_RESOURCES: readonly QuickbooksResource[] = ['customers', 'invoices', 'payments', 'expenses'];

interface ResourceSpec<T> {
  /** The QBO entity name, as in replies, queries and CDC `entities=`. */
  entity: string;
  find: keyof QuickBooksInstance;
  read: keyof QuickBooksInstance;
  parse(entity: QboEntity): T;
  /** Name-list entities: queries return only active rows unless they filter on Active. */
  hasActive: boolean;
}

/** Our resources and the QBO entities behind them (expenses are Purchase transactions). */
export const RESOURCE_SPECS: { [K in QuickbooksResource]: ResourceSpec<ResourceRecords[K]> } = {
  customers: { entity: 'Customer', find: 'findCustomers', read: 'getCustomer', parse: parseCustomer, hasActive: true },
  invoices: { entity: 'Invoice', find: 'findInvoices', read: 'getInvoice', parse: parseInvoice, hasActive: false },
  payments: { entity: 'Payment', find: 'findPayments', read: 'getPayment', parse: parsePayment, hasActive: false },
  expenses: { entity: 'Purchase', find: 'findPurchases', read: 'getPurchase', parse: parsePurchase, hasActive: false },
};

/**
 * node-quickbooks criteria for one page in Id order: `select * from customer where Active IN (true,false)
 * orderby Id asc startposition S maxresults N`. Inactive customers are included (they are QBO's deletions).
 */
export function pageCriteria(hasActive: boolean, start: number, size: number): Array<Record<string, unknown>> {
  return [
    ...(hasActive ? [{ field: 'Active', value: [true, false], operator: 'IN' }] : []),
    { field: 'asc', value: 'Id' },
    { field: 'limit', value: size },
    { field: 'offset', value: start },
  ];
}
