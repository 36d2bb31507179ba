import type {
  ExternalAddress,
  ExternalCustomer,
  ExternalExpense,
  ExternalInvoice,
  ExternalPayment,
} from '../core/records.js';
import { malformed } from './errors.js';

/*
 * QBO v3 entities (JSON, minorversion 75) → our record types. Amounts arrive as JSON numbers in the company
 * currency; times as `2015-07-24T10:33:39-07:00`; TxnDate/DueDate as calendar dates, kept as dates.
 */
export type QboEntity = Record<string, unknown>;

function row(value: unknown): QboEntity | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as QboEntity) : undefined;
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  return typeof value === 'number' ? String(value) : null;
}

/** `{value, name}` references (CustomerRef, AccountRef, EntityRef). */
function ref(value: unknown, part: 'value' | 'name'): string | null {
  return str(row(value)?.[part]);
}

/** A QBO amount (a JSON number, sometimes a numeric string) as a decimal string with two decimals. */
export function money(value: unknown): string | null {
  const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return null;
  return amount.toFixed(2);
}

function requiredMoney(entity: QboEntity, field: string): string {
  const amount = money(entity[field]);
  if (amount === null) throw malformed(`${field} of ${String(entity.Id)} is not an amount`);
  return amount;
}

/** A QBO timestamp (any offset) as an ISO-8601 UTC string. */
export function isoTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

function lastUpdated(entity: QboEntity): string {
  const time = isoTime(row(entity.MetaData)?.LastUpdatedTime);
  if (time === null) throw malformed(`MetaData.LastUpdatedTime of ${String(entity.Id)} is missing`);
  return time;
}

export function idOf(entity: QboEntity): string {
  const id = str(entity.Id);
  if (id === null) throw malformed('an entity without an Id');
  return id;
}

function address(value: unknown): ExternalAddress | null {
  const addr = row(value);
  if (!addr) return null;
  return {
    street1: str(addr.Line1),
    city: str(addr.City),
    province: str(addr.CountrySubDivisionCode),
    postalCode: str(addr.PostalCode),
    country: str(addr.Country),
  };
}

export function parseCustomer(entity: QboEntity): ExternalCustomer {
  return {
    externalId: idOf(entity),
    firstName: str(entity.GivenName),
    lastName: str(entity.FamilyName),
    companyName: str(entity.CompanyName),
    displayName: str(entity.DisplayName) ?? str(entity.FullyQualifiedName) ?? '',
    email: str(row(entity.PrimaryEmailAddr)?.Address),
    phone: str(row(entity.PrimaryPhone)?.FreeFormNumber),
    address: address(entity.BillAddr),
    updatedAt: lastUpdated(entity),
    // QBO never deletes a customer, it makes it inactive (and appends " (deleted)" to its name).
    active: entity.Active !== false,
  };
}

/**
 * QBO invoices have no status field: it follows from the open balance, as Intuit's own UI labels them (Paid,
 * Partially paid, Open). Past-due needs today's date, so it is left to readers of `dueAt`.
 */
export function invoiceStatus(total: string, balance: string | null): string {
  if (balance === null) return 'open';
  if (Number(balance) === 0) return 'paid';
  return Number(balance) < Number(total) ? 'partially_paid' : 'open';
}

export function parseInvoice(entity: QboEntity): ExternalInvoice {
  const total = requiredMoney(entity, 'TotalAmt');
  const balance = money(entity.Balance);
  return {
    externalId: idOf(entity),
    customerExternalId: ref(entity.CustomerRef, 'value'),
    // QBO has no jobs; projects are sub-customers, not a job reference.
    jobExternalId: null,
    invoiceNumber: str(entity.DocNumber),
    status: invoiceStatus(total, balance),
    total,
    balance,
    issuedAt: str(entity.TxnDate),
    dueAt: str(entity.DueDate),
    updatedAt: lastUpdated(entity),
  };
}

/** The invoice a payment is applied to: the first `Line[].LinkedTxn[]` of type Invoice (a payment may cover several). */
function paidInvoice(entity: QboEntity): string | null {
  const lines = Array.isArray(entity.Line) ? entity.Line : [];
  for (const line of lines) {
    const linked = row(line)?.LinkedTxn;
    for (const txn of Array.isArray(linked) ? linked : []) {
      if (row(txn)?.TxnType === 'Invoice') return str(row(txn)?.TxnId);
    }
  }
  return null;
}

export function parsePayment(entity: QboEntity): ExternalPayment {
  return {
    externalId: idOf(entity),
    customerExternalId: ref(entity.CustomerRef, 'value'),
    invoiceExternalId: paidInvoice(entity),
    amount: requiredMoney(entity, 'TotalAmt'),
    paidAt: str(entity.TxnDate),
    updatedAt: lastUpdated(entity),
  };
}

/** The expense account of the first account-based line (the category QBO reports by). */
function expenseAccount(entity: QboEntity): string | null {
  const lines = Array.isArray(entity.Line) ? entity.Line : [];
  for (const line of lines) {
    const detail = row(row(line)?.AccountBasedExpenseLineDetail);
    if (detail) return ref(detail.AccountRef, 'name');
  }
  return null;
}

export function parsePurchase(entity: QboEntity): ExternalExpense {
  return {
    externalId: idOf(entity),
    payee: ref(entity.EntityRef, 'name'),
    category: expenseAccount(entity),
    paymentType: str(entity.PaymentType),
    amount: requiredMoney(entity, 'TotalAmt'),
    paidAt: str(entity.TxnDate),
    updatedAt: lastUpdated(entity),
  };
}
