import type { Customer, Expense, Invoice, Payment, World } from '../../core/world.js';
import { EXPENSE_CATEGORIES } from '../../data/names.js';
import { dollars, idOf, qboDate, qboDateTime, stableId } from './format.js';
import type { QboState } from './state.js';

export type QboObject = Record<string, unknown>;

const USD = { value: 'USD', name: 'United States Dollar' };
const SERVICES_ITEM = { value: '1', name: 'Services' };
/** Bank and card accounts a Purchase is paid from, by PaymentType. */
const PAID_FROM = {
  Cash: { value: '35', name: 'Checking' },
  Check: { value: '35', name: 'Checking' },
  CreditCard: { value: '41', name: 'Mastercard' },
} as const;

/** Expense accounts and vendors the generated data uses get small fixed ids; others a stable hashed one. */
export function expenseAccountRef(category: string): { value: string; name: string } {
  const index = EXPENSE_CATEGORIES.findIndex(([, name]) => name === category);
  return { value: index >= 0 ? String(60 + index) : stableId(category, 1000), name: category };
}

export function expenseCategoryOf(ref: { value?: unknown; name?: unknown } | undefined): string | null {
  if (!ref) return null;
  const known = EXPENSE_CATEGORIES.find((_, index) => String(60 + index) === String(ref.value));
  if (known) return known[1];
  return typeof ref.name === 'string' && ref.name ? ref.name : null;
}

function vendorRef(payee: string): { value: string; name: string; type: string } {
  const index = EXPENSE_CATEGORIES.findIndex(([name]) => name === payee);
  return { value: index >= 0 ? String(50 + index) : stableId(payee, 20_000), name: payee, type: 'Vendor' };
}

/** Whether QuickBooks has a copy of this customer at all (`variants.quickbooks.missing`). */
export function inQuickbooks(customer: Customer | undefined): customer is Customer {
  return customer !== undefined && !customer.variants.quickbooks?.missing;
}

/** The name QBO shows before the " (deleted)" suffix of inactive customers. */
export function baseDisplayName(customer: Customer): string {
  return (
    customer.variants.quickbooks?.displayName ??
    customer.companyName ??
    `${customer.firstName} ${customer.lastName}`.trim()
  );
}

/** The customer's email and phone as QuickBooks has them (a variant may override either, null included). */
export function qboEmail(customer: Customer): string | null {
  const variant = customer.variants.quickbooks;
  return variant?.email !== undefined ? variant.email : customer.email;
}

export function qboPhone(customer: Customer): string | null {
  const variant = customer.variants.quickbooks;
  return variant?.phone !== undefined ? variant.phone : customer.phone;
}

export function displayName(customer: Customer): string {
  const name = baseDisplayName(customer);
  return customer.deletedAt ? `${name} (deleted)` : name;
}

function meta(createdAt: number, updatedAt: number): QboObject {
  return { CreateTime: qboDateTime(createdAt), LastUpdatedTime: qboDateTime(updatedAt) };
}

export function lastUpdated(row: { updatedAt: number; deletedAt: number | null }): number {
  return Math.max(row.updatedAt, row.deletedAt ?? 0);
}

/**
 * Renders world records as QBO v3 JSON entities. One instance per request: the aggregates it needs
 * (customer balances, payments per invoice) are computed once, lazily.
 */
export class QboView {
  private balances?: Map<number, number>;
  private paymentsByInvoice?: Map<number, Payment[]>;

  constructor(
    readonly world: World,
    private readonly state: QboState,
  ) {}

  customerOf(key: number): Customer | undefined {
    const customer = this.world.customers[key];
    return inQuickbooks(customer) ? customer : undefined;
  }

  /** Transactions exist in QBO only when their customer does. */
  hasInvoice(invoice: Invoice): boolean {
    return this.customerOf(invoice.customerKey) !== undefined;
  }

  hasPayment(payment: Payment): boolean {
    return this.customerOf(payment.customerKey) !== undefined;
  }

  customerSyncToken(customer: Customer): number {
    return this.state.customerSyncToken(customer);
  }

  private balanceOf(customerKey: number): number {
    if (!this.balances) {
      this.balances = new Map();
      for (const invoice of this.world.invoices) {
        if (invoice.deletedAt || invoice.balance === 0) continue;
        this.balances.set(invoice.customerKey, (this.balances.get(invoice.customerKey) ?? 0) + invoice.balance);
      }
    }
    return this.balances.get(customerKey) ?? 0;
  }

  paymentsFor(invoiceKey: number): Payment[] {
    if (!this.paymentsByInvoice) {
      this.paymentsByInvoice = new Map();
      for (const payment of this.world.payments) {
        if (payment.deletedAt) continue;
        const list = this.paymentsByInvoice.get(payment.invoiceKey) ?? [];
        list.push(payment);
        this.paymentsByInvoice.set(payment.invoiceKey, list);
      }
    }
    return this.paymentsByInvoice.get(invoiceKey) ?? [];
  }

  customerRef(key: number): { value: string; name: string } {
    const customer = this.world.customers[key];
    return { value: idOf(key), name: customer ? displayName(customer) : '' };
  }

  customer(customer: Customer): QboObject {
    const email = qboEmail(customer);
    const phone = qboPhone(customer);
    const name = displayName(customer);
    const balance = dollars(this.balanceOf(customer.key));
    const { address } = customer;
    return {
      Taxable: false,
      BillAddr: {
        Id: String(customer.key + 100_000),
        Line1: address.street1,
        City: address.city,
        CountrySubDivisionCode: address.province,
        PostalCode: address.postalCode,
        Country: address.country,
      },
      Job: false,
      BillWithParent: false,
      Balance: balance,
      BalanceWithJobs: balance,
      CurrencyRef: USD,
      PreferredDeliveryMethod: 'Email',
      IsProject: false,
      domain: 'QBO',
      sparse: false,
      Id: idOf(customer.key),
      SyncToken: String(this.state.customerSyncToken(customer)),
      MetaData: meta(customer.createdAt, customer.updatedAt),
      GivenName: customer.firstName,
      FamilyName: customer.lastName,
      FullyQualifiedName: name,
      ...(customer.companyName ? { CompanyName: customer.companyName } : {}),
      DisplayName: name,
      PrintOnCheckName: customer.companyName ?? `${customer.firstName} ${customer.lastName}`.trim(),
      Active: !customer.deletedAt,
      ...(phone ? { PrimaryPhone: { FreeFormNumber: phone } } : {}),
      ...(email ? { PrimaryEmailAddr: { Address: email } } : {}),
    };
  }

  private invoiceLines(invoice: Invoice): QboObject[] {
    const amount = dollars(invoice.total);
    const written = this.state.invoiceLinesFor(invoice.key, invoice.total);
    const job = invoice.jobKey === null ? undefined : this.world.jobs[invoice.jobKey];
    const items = written ?? [
      {
        Id: '1',
        LineNum: 1,
        Description: job?.title ?? `Invoice ${invoice.invoiceNumber}`,
        Amount: amount,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: SERVICES_ITEM, UnitPrice: amount, Qty: 1, TaxCodeRef: { value: 'NON' } },
      },
    ];
    return [...items, { Amount: amount, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }];
  }

  invoice(invoice: Invoice): QboObject {
    const customer = this.world.customers[invoice.customerKey];
    const email = customer ? qboEmail(customer) : null;
    const payments = this.paymentsFor(invoice.key);
    return {
      AllowIPNPayment: false,
      AllowOnlinePayment: false,
      AllowOnlineCreditCardPayment: false,
      AllowOnlineACHPayment: false,
      domain: 'QBO',
      sparse: false,
      Id: idOf(invoice.key),
      SyncToken: String(invoice.syncToken),
      MetaData: meta(invoice.createdAt, lastUpdated(invoice)),
      CustomField: [],
      DocNumber: String(invoice.invoiceNumber),
      TxnDate: qboDate(invoice.issuedAt),
      CurrencyRef: USD,
      LinkedTxn: payments.map((payment) => ({ TxnId: idOf(payment.key), TxnType: 'Payment' })),
      Line: this.invoiceLines(invoice),
      TxnTaxDetail: { TotalTax: 0 },
      CustomerRef: this.customerRef(invoice.customerKey),
      ...(email ? { BillEmail: { Address: email } } : {}),
      DueDate: qboDate(invoice.dueAt),
      TotalAmt: dollars(invoice.total),
      ApplyTaxAfterDiscount: false,
      PrintStatus: 'NotSet',
      EmailStatus: invoice.status === 'draft' ? 'NotSet' : 'EmailSent',
      Balance: dollars(invoice.balance),
    };
  }

  payment(payment: Payment): QboObject {
    const amount = dollars(payment.amount);
    return {
      CustomerRef: this.customerRef(payment.customerKey),
      DepositToAccountRef: { value: '4', name: 'Undeposited Funds' },
      TotalAmt: amount,
      UnappliedAmt: 0,
      ProcessPayment: false,
      domain: 'QBO',
      sparse: false,
      Id: idOf(payment.key),
      SyncToken: String(payment.syncToken),
      MetaData: meta(payment.createdAt, lastUpdated(payment)),
      TxnDate: qboDate(payment.paidAt),
      CurrencyRef: USD,
      Line: [{ Amount: amount, LinkedTxn: [{ TxnId: idOf(payment.invoiceKey), TxnType: 'Invoice' }] }],
    };
  }

  purchase(expense: Expense): QboObject {
    const amount = dollars(expense.amount);
    return {
      AccountRef: PAID_FROM[expense.paymentType],
      PaymentType: expense.paymentType,
      EntityRef: vendorRef(expense.payee),
      Credit: false,
      TotalAmt: amount,
      PurchaseEx: { any: [] },
      domain: 'QBO',
      sparse: false,
      Id: idOf(expense.key),
      SyncToken: String(expense.syncToken),
      MetaData: meta(expense.createdAt, lastUpdated(expense)),
      TxnDate: qboDate(expense.paidAt),
      CurrencyRef: USD,
      Line: [
        {
          Id: '1',
          Amount: amount,
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: {
            AccountRef: expenseAccountRef(expense.category),
            BillableStatus: 'NotBillable',
            TaxCodeRef: { value: 'NON' },
          },
        },
      ],
    };
  }
}
