import type { EntityName } from '../tables.js';
import type { Body, WriteContext, WriteResult } from './common.js';
import { createCustomer, updateCustomer } from './customers.js';
import { createInvoice, deleteInvoice, updateInvoice } from './invoices.js';
import { createPayment, deletePayment, updatePayment } from './payments.js';
import { createPurchase, deletePurchase, updatePurchase } from './purchases.js';

export type { WriteContext, WriteResult } from './common.js';

type Write = (ctx: WriteContext, body: Body) => WriteResult;

/** Create, update and delete per entity; customers have no delete (QBO makes them inactive instead). */
export const WRITES: Record<EntityName, { create: Write; update: Write; delete?: Write }> = {
  Customer: { create: createCustomer, update: updateCustomer },
  Invoice: { create: createInvoice, update: updateInvoice, delete: deleteInvoice },
  Payment: { create: createPayment, update: updatePayment, delete: deletePayment },
  Purchase: { create: createPurchase, update: updatePurchase, delete: deletePurchase },
};
