import type { Customer } from '../../core/world.js';

/** An invoice line as the API caller sent it; kept so a read returns the lines that were written. */
export type InvoiceLine = Record<string, unknown>;

/**
 * What QuickBooks knows that the shared world does not: customers' SyncTokens (world customers carry no
 * counter) and the exact lines of invoices written through the API. Dropped on reset.
 */
export class QboState {
  private readonly customerTokens = new Map<number, { token: number; seen: number }>();
  private readonly invoiceLines = new Map<number, { total: number; lines: InvoiceLine[] }>();

  /**
   * A customer's SyncToken: 0 at first sight, +1 whenever its `updatedAt` moved (a change from any vendor or the
   * control API), +1 on every write through this simulator (`bumpCustomer`).
   */
  customerSyncToken(customer: Customer): number {
    const entry = this.customerTokens.get(customer.key);
    if (!entry) {
      this.customerTokens.set(customer.key, { token: 0, seen: customer.updatedAt });
      return 0;
    }
    if (entry.seen !== customer.updatedAt) {
      entry.token += 1;
      entry.seen = customer.updatedAt;
    }
    return entry.token;
  }

  /** Our own write: the token moves even if two writes land in the same millisecond. */
  bumpCustomer(customer: Customer, created: boolean): void {
    const token = created ? 0 : (this.customerTokens.get(customer.key)?.token ?? 0) + 1;
    this.customerTokens.set(customer.key, { token, seen: customer.updatedAt });
  }

  setInvoiceLines(key: number, total: number, lines: InvoiceLine[]): void {
    this.invoiceLines.set(key, { total, lines });
  }

  /** The written lines, unless the invoice's total changed elsewhere since (then the view rebuilds them). */
  invoiceLinesFor(key: number, total: number): InvoiceLine[] | undefined {
    const entry = this.invoiceLines.get(key);
    return entry && entry.total === total ? entry.lines : undefined;
  }

  clear(): void {
    this.customerTokens.clear();
    this.invoiceLines.clear();
  }
}
