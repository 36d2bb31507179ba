/*
 * The sandbox's one source of truth: a small field-service business as it exists across all seven vendors.
 * Each vendor simulator presents its own view of these records (Jobber's clients and jobs, QuickBooks' customers
 * and invoices, Airtable's rows, …), so the same customer really is the same customer everywhere, give or take
 * the small differences real systems have (see `CustomerVariants`).
 *
 * Records are plain objects in arrays (index = key) so that 100k clients and 500k jobs stay well under 1 GB.
 * Times are epoch milliseconds, not Date objects, for the same reason.
 */

export interface Address {
  street1: string;
  city: string;
  province: string;
  postalCode: string;
  country: string;
}

/** How a customer differs in one vendor's copy; absent fields are equal to the canonical record. */
export interface CustomerVariant {
  /** The vendor has no copy of this customer at all. */
  missing?: boolean;
  email?: string | null;
  phone?: string | null;
  displayName?: string;
}

export interface Customer {
  key: number;
  firstName: string;
  lastName: string;
  companyName: string | null;
  email: string | null;
  /** E.164, e.g. +15551234567; vendors may show it formatted differently. */
  phone: string | null;
  address: Address;
  isLead: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  variants: {
    jobber?: CustomerVariant;
    quickbooks?: CustomerVariant;
    airtable?: CustomerVariant;
    twilio?: CustomerVariant;
    google?: CustomerVariant;
  };
}

export const JOB_STATUSES = [
  'requires_invoicing',
  'archived',
  'late',
  'today',
  'upcoming',
  'action_required',
  'on_hold',
  'unscheduled',
  'active',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job {
  key: number;
  customerKey: number;
  jobNumber: number;
  title: string;
  status: JobStatus;
  /** Money in cents. */
  total: number;
  startAt: number | null;
  endAt: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export const QUOTE_STATUSES = [
  'draft',
  'awaiting_response',
  'approved',
  'converted',
  'changes_requested',
  'archived',
] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export interface QuoteLineItem {
  name: string;
  description: string | null;
  quantity: number;
  /** cents */
  unitPrice: number;
}

export interface Quote {
  key: number;
  customerKey: number;
  quoteNumber: number;
  title: string;
  status: QuoteStatus;
  lineItems: QuoteLineItem[];
  /** cents */
  total: number;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export const INVOICE_STATUSES = ['draft', 'awaiting_payment', 'paid', 'past_due', 'bad_debt'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface Invoice {
  key: number;
  customerKey: number;
  jobKey: number | null;
  invoiceNumber: number;
  status: InvoiceStatus;
  /** cents */
  total: number;
  /** cents still owed */
  balance: number;
  issuedAt: number;
  dueAt: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  /** QuickBooks' optimistic-concurrency counter for this record. */
  syncToken: number;
}

export interface Payment {
  key: number;
  customerKey: number;
  invoiceKey: number;
  /** cents */
  amount: number;
  paidAt: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  syncToken: number;
}

export const EXPENSE_PAYMENT_TYPES = ['Cash', 'Check', 'CreditCard'] as const;

export interface Expense {
  key: number;
  payee: string;
  category: string;
  paymentType: (typeof EXPENSE_PAYMENT_TYPES)[number];
  /** cents */
  amount: number;
  paidAt: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  syncToken: number;
}

export interface CalendarEvent {
  key: number;
  jobKey: number | null;
  summary: string;
  description: string | null;
  location: string | null;
  startAt: number;
  endAt: number;
  status: 'confirmed' | 'tentative' | 'cancelled';
  createdAt: number;
  updatedAt: number;
  /** Bumped on every change; Calendar's sync tokens and Gmail's history ids are positions on this counter. */
  sequence: number;
}

export interface EmailMessage {
  key: number;
  threadKey: number;
  from: string;
  to: string;
  subject: string;
  body: string;
  sentAt: number;
  labelIds: string[];
  /** Gmail history id of the last change to this message. */
  historyId: number;
}

export interface SlackChannel {
  key: number;
  id: string;
  name: string;
  topic: string;
  createdAt: number;
}

export interface SlackMessage {
  key: number;
  channelKey: number;
  /** Slack's message id: "<seconds>.<6 digits>". */
  ts: string;
  threadTs: string | null;
  user: string;
  text: string;
}

export interface World {
  seed: number;
  scale: WorldScale;
  /** When the dataset was generated; every generated time is relative to it. */
  generatedAt: number;
  customers: Customer[];
  jobs: Job[];
  quotes: Quote[];
  invoices: Invoice[];
  payments: Payment[];
  expenses: Expense[];
  calendarEvents: CalendarEvent[];
  emails: EmailMessage[];
  slackChannels: SlackChannel[];
  slackMessages: SlackMessage[];
  /** Monotonic change counter shared by Calendar sync tokens and Gmail history ids. */
  changeCounter: number;
}

export interface WorldScale {
  customers: number;
  jobsPerCustomer: number;
}

/** Named scales for `POST /_sandbox/reset { scale }`; a number means that many customers. */
export const SCALES = {
  small: { customers: 60, jobsPerCustomer: 5 },
  medium: { customers: 5_000, jobsPerCustomer: 5 },
  large: { customers: 100_000, jobsPerCustomer: 5 },
} as const satisfies Record<string, WorldScale>;

export type ScaleName = keyof typeof SCALES;

export function countsOf(world: World): Record<string, number> {
  const live = (rows: Array<{ deletedAt?: number | null }>) => rows.filter((row) => !row.deletedAt).length;
  return {
    customers: live(world.customers),
    jobs: live(world.jobs),
    quotes: live(world.quotes),
    invoices: live(world.invoices),
    payments: live(world.payments),
    expenses: live(world.expenses),
    calendarEvents: world.calendarEvents.length,
    emails: world.emails.length,
    slackChannels: world.slackChannels.length,
    slackMessages: world.slackMessages.length,
  };
}
