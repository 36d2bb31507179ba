/*
 * Vendor records in our terms: what vendor clients return and the data mapper writes to the unified tables.
 * Money is a decimal string (e.g. "149.00"), never a float; times are ISO-8601 strings.
 */
export interface ExternalAddress {
  street1: string | null;
  city: string | null;
  province: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface ExternalCustomer {
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  displayName: string;
  email: string | null;
  phone: string | null;
  address: ExternalAddress | null;
  updatedAt: string;
  /** False when the vendor has it inactive or archived. */
  active: boolean;
}

export interface ExternalJob {
  externalId: string;
  customerExternalId: string | null;
  jobNumber: string | null;
  title: string;
  status: string;
  total: string | null;
  startAt: string | null;
  endAt: string | null;
  updatedAt: string;
}

export interface ExternalQuote {
  externalId: string;
  customerExternalId: string | null;
  quoteNumber: string | null;
  title: string | null;
  status: string;
  total: string | null;
  updatedAt: string;
}

export interface ExternalInvoice {
  externalId: string;
  customerExternalId: string | null;
  jobExternalId: string | null;
  invoiceNumber: string | null;
  status: string;
  total: string;
  balance: string | null;
  issuedAt: string | null;
  dueAt: string | null;
  updatedAt: string;
}

export interface ExternalPayment {
  externalId: string;
  customerExternalId: string | null;
  invoiceExternalId: string | null;
  amount: string;
  paidAt: string | null;
  updatedAt: string;
}

export interface ExternalExpense {
  externalId: string;
  payee: string | null;
  category: string | null;
  paymentType: string | null;
  amount: string;
  paidAt: string | null;
  updatedAt: string;
}

export interface ExternalCalendarEvent {
  externalId: string;
  summary: string | null;
  description: string | null;
  location: string | null;
  startAt: string | null;
  endAt: string | null;
  status: string;
  attendeeEmails: string[];
  updatedAt: string;
}

/** Every resource a sync can fetch, and the record type of each. */
export interface ResourceRecords {
  customers: ExternalCustomer;
  jobs: ExternalJob;
  quotes: ExternalQuote;
  invoices: ExternalInvoice;
  payments: ExternalPayment;
  expenses: ExternalExpense;
  calendarEvents: ExternalCalendarEvent;
}

export type SyncResource = keyof ResourceRecords;

/** One page of a full listing. `nextCursor` null: that was the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of changes since a checkpoint. `deletedIds` are records the vendor reports deleted; `checkpoint` is
 * what to store for the next incremental pass once `nextCursor` is null.
 */
export interface ChangePage<T> {
  items: T[];
  deletedIds: string[];
  nextCursor: string | null;
  checkpoint: string | null;
}
