import { EXPENSE_PAYMENT_TYPES, type Expense } from '../../../core/world.js';
import { EXPENSE_CATEGORIES } from '../../../data/names.js';
import { faults } from '../errors.js';
import { cents } from '../format.js';
import { expenseCategoryOf } from '../views.js';
import {
  checkSyncToken,
  dateAt,
  moneyLines,
  objectAt,
  rowById,
  textAt,
  type Body,
  type WriteContext,
  type WriteResult,
} from './common.js';

type PaymentType = Expense['paymentType'];

function paymentTypeFrom(body: Body): PaymentType {
  const type = textAt(body, 'PaymentType');
  if (type === undefined) throw faults.required('PaymentType');
  const match = EXPENSE_PAYMENT_TYPES.find((known) => known === type);
  if (!match) throw faults.invalidRequest(`PaymentType must be one of ${EXPENSE_PAYMENT_TYPES.join(', ')}`);
  return match;
}

/** The payee: EntityRef's name, or the name behind one of the fixed vendor ids the views hand out. */
function payeeFrom(body: Body): string | undefined {
  const ref = objectAt(body, 'EntityRef');
  if (!ref) return undefined;
  const known = EXPENSE_CATEGORIES.find((_, index) => String(50 + index) === String(ref.value));
  return known?.[0] ?? textAt(ref, 'name');
}

/** Expense lines: the world keeps one amount and one category (the first line's expense account). */
function linesFrom(body: Body): { amount: number; category: string } {
  let amount = 0;
  let category: string | null = null;
  for (const [index, line] of moneyLines(body).entries()) {
    const value = cents(line.Amount);
    if (Number.isNaN(value)) throw faults.invalidRequest(`Line ${index + 1} has no valid Amount`);
    amount += value;
    category ??= expenseCategoryOf(objectAt(objectAt(line, 'AccountBasedExpenseLineDetail') ?? {}, 'AccountRef'));
  }
  if (category === null) throw faults.required('Line.AccountBasedExpenseLineDetail.AccountRef');
  return { amount, category };
}

/** `POST /purchase`: an expense paid by cash, check or card; it becomes a world expense. */
export function createPurchase(ctx: WriteContext, body: Body): WriteResult {
  if (!objectAt(body, 'AccountRef')) throw faults.required('AccountRef');
  const paymentType = paymentTypeFrom(body);
  const { amount, category } = linesFrom(body);
  const paidAt = dateAt(body, 'TxnDate') ?? ctx.now;
  const expense: Expense = {
    key: ctx.world.expenses.length,
    payee: payeeFrom(body) ?? '',
    category,
    paymentType,
    amount,
    paidAt,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    deletedAt: null,
    syncToken: 0,
  };
  ctx.world.expenses.push(expense);
  return { key: expense.key, action: 'create' };
}

export function updatePurchase(ctx: WriteContext, body: Body): WriteResult {
  const expense = rowById(ctx.world.expenses, body, 'Purchase');
  checkSyncToken(expense.syncToken, body);
  if (body.PaymentType !== undefined) expense.paymentType = paymentTypeFrom(body);
  if (body.Line !== undefined) Object.assign(expense, linesFrom(body));
  expense.payee = payeeFrom(body) ?? expense.payee;
  expense.paidAt = dateAt(body, 'TxnDate') ?? expense.paidAt;
  expense.syncToken += 1;
  expense.updatedAt = ctx.now;
  return { key: expense.key, action: 'update' };
}

export function deletePurchase(ctx: WriteContext, body: Body): WriteResult {
  const expense = rowById(ctx.world.expenses, body, 'Purchase');
  checkSyncToken(expense.syncToken, body);
  expense.deletedAt = ctx.now;
  expense.syncToken += 1;
  expense.updatedAt = ctx.now;
  return { key: expense.key, action: 'delete' };
}
