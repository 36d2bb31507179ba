import { Random } from '../core/random.js';
import {
  JOB_STATUSES,
  QUOTE_STATUSES,
  type CalendarEvent,
  type Customer,
  type EmailMessage,
  type Expense,
  type Invoice,
  type InvoiceStatus,
  type Job,
  type JobStatus,
  type Payment,
  type Quote,
  type SlackChannel,
  type SlackMessage,
  type World,
  type WorldScale,
} from '../core/world.js';
import {
  CITIES,
  COMPANY_SUFFIXES,
  EXPENSE_CATEGORIES,
  FIRST_NAMES,
  LAST_NAMES,
  SERVICES,
  STREETS,
  STREET_TYPES,
} from './names.js';

const DAY = 86_400_000;
const SLACK_CHANNELS = ['general', 'dispatch', 'sales', 'field-crew', 'billing'];

/** How often a customer's copy in another vendor differs (formatting, a missing field, or no copy at all). */
const VARIANCE = { missingInQuickbooks: 0.08, missingInAirtable: 0.15, formattedPhone: 0.3, missingEmail: 0.05 };

/** "+15125550123" → "(512) 555-0123", as people type it into QuickBooks. */
export function formatUsPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '').slice(-10);
  return `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
}

function customer(random: Random, key: number, now: number): Customer {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const isCompany = random.chance(0.2);
  const [city, province, zipPrefix] = random.pick(CITIES);
  const createdAt = now - random.int(30, 1500) * DAY;
  const local = `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.]/g, '');
  const email = random.chance(0.92) ? `${local}${key}@example.com` : null;
  const phone = random.chance(0.9)
    ? `+1${random.int(201, 989)}555${String(random.int(0, 9999)).padStart(4, '0')}`
    : null;
  const variants: Customer['variants'] = {};
  if (random.chance(VARIANCE.missingInQuickbooks)) variants.quickbooks = { missing: true };
  else if (phone && random.chance(VARIANCE.formattedPhone)) variants.quickbooks = { phone: formatUsPhone(phone) };
  if (random.chance(VARIANCE.missingInAirtable)) variants.airtable = { missing: true };
  else if (email && random.chance(VARIANCE.missingEmail)) variants.airtable = { email: null };
  else if (email && random.chance(0.1)) variants.airtable = { email: email.toUpperCase() };
  return {
    key,
    firstName,
    lastName,
    companyName: isCompany ? `${lastName} ${random.pick(COMPANY_SUFFIXES)}` : null,
    email,
    phone,
    address: {
      street1: `${random.int(10, 9999)} ${random.pick(STREETS)} ${random.pick(STREET_TYPES)}`,
      city,
      province,
      postalCode: `${zipPrefix}${String(random.int(0, 99)).padStart(2, '0')}`,
      country: 'US',
    },
    isLead: random.chance(0.05),
    createdAt,
    updatedAt: createdAt + random.int(0, Math.max(0, Math.floor((now - createdAt) / DAY))) * DAY,
    deletedAt: null,
    variants,
  };
}

/** Past jobs are mostly done (invoiced or archived); future ones upcoming; some late or on hold. */
function jobStatus(random: Random, startAt: number | null, now: number): JobStatus {
  if (startAt === null) return 'unscheduled';
  if (startAt > now + DAY) return random.chance(0.9) ? 'upcoming' : 'on_hold';
  if (startAt > now - DAY) return random.chance(0.7) ? 'today' : 'active';
  return random.pick(['archived', 'archived', 'requires_invoicing', 'late', 'action_required', ...JOB_STATUSES]);
}

function invoiceStatus(random: Random, dueAt: number, now: number): InvoiceStatus {
  if (random.chance(0.65)) return 'paid';
  if (random.chance(0.05)) return 'draft';
  if (random.chance(0.02)) return 'bad_debt';
  return dueAt < now ? 'past_due' : 'awaiting_payment';
}

/**
 * Builds the whole world from a seed: the same seed and scale give byte-for-byte the same data. Jobs spread
 * over the last two years and the next three months; about 80% of finished jobs have an invoice, most invoices
 * are paid, and every job with a start time has a calendar event.
 */
export function generateWorld(seed: number, scale: WorldScale, now: number = Date.now()): World {
  const random = new Random(seed);
  const world: World = {
    seed,
    scale,
    generatedAt: now,
    customers: [],
    jobs: [],
    quotes: [],
    invoices: [],
    payments: [],
    expenses: [],
    calendarEvents: [],
    emails: [],
    slackChannels: [],
    slackMessages: [],
    changeCounter: 1,
  };

  for (let key = 0; key < scale.customers; key += 1) world.customers.push(customer(random, key, now));

  for (const owner of world.customers) {
    const jobCount = Math.max(0, Math.round(scale.jobsPerCustomer * (0.4 + random.next() * 1.2)));
    // One string per customer shared by all their events: at 500k events, copies would cost tens of MB.
    const location = `${owner.address.street1}, ${owner.address.city}, ${owner.address.province}`;
    for (let n = 0; n < jobCount; n += 1) addJob(world, random, owner, location, now);
    if (random.chance(0.3)) addQuote(world, random, owner, now);
  }

  const expenseCount = Math.ceil(world.jobs.length / 10);
  for (let key = 0; key < expenseCount; key += 1) {
    const [payee, category] = random.pick(EXPENSE_CATEGORIES);
    const paidAt = now - random.int(0, 720) * DAY;
    const expense: Expense = {
      key,
      payee,
      category,
      paymentType: random.pick(['Cash', 'Check', 'CreditCard'] as const),
      amount: random.int(1500, 250000),
      paidAt,
      createdAt: paidAt,
      updatedAt: paidAt,
      deletedAt: null,
      syncToken: 0,
    };
    world.expenses.push(expense);
  }

  addSlackAndEmail(world, random, now);
  return world;
}

/**
 * A day after the visit; for visits still ahead, a moment spread (by key, not by the random stream) between
 * creation and a day ago. Never "now" and never one shared instant, so an incremental sync right after generation
 * sees only real changes instead of a crowd of records tied at the same second.
 */
function jobLastTouched(key: number, createdAt: number, startAt: number | null, now: number): number {
  const afterVisit = (startAt ?? createdAt) + DAY;
  if (afterVisit <= now - DAY) return Math.max(createdAt, afterVisit);
  const spanSeconds = Math.max(1, Math.floor((now - DAY - createdAt) / 1000));
  return createdAt + ((key * 7_919) % spanSeconds) * 1000;
}

function addJob(world: World, random: Random, owner: Customer, location: string, now: number): void {
  const key = world.jobs.length;
  const [service, price] = random.pick(SERVICES);
  const scheduled = random.chance(0.93);
  const startAt = scheduled ? now + random.int(-730, 90) * DAY + random.int(7, 17) * 3_600_000 : null;
  const createdAt = Math.min(owner.createdAt + random.int(0, 30) * DAY, startAt ?? now, now);
  const status = jobStatus(random, startAt, now);
  const total = price * random.int(1, 4);
  const job: Job = {
    key,
    customerKey: owner.key,
    jobNumber: key + 1,
    title: `${service} — ${owner.companyName ?? owner.lastName}`,
    status,
    total,
    startAt,
    endAt: startAt === null ? null : startAt + random.int(1, 4) * 3_600_000,
    createdAt,
    updatedAt: jobLastTouched(key, createdAt, startAt, now),
    deletedAt: null,
  };
  world.jobs.push(job);

  if (startAt !== null) {
    const event: CalendarEvent = {
      key: world.calendarEvents.length,
      jobKey: key,
      summary: job.title,
      description: `Job #${job.jobNumber}`,
      location,
      startAt,
      endAt: job.endAt!,
      status: 'confirmed',
      createdAt,
      updatedAt: job.updatedAt,
      sequence: world.changeCounter++,
    };
    world.calendarEvents.push(event);
  }

  const finished = startAt !== null && startAt < now - DAY && status !== 'requires_invoicing';
  if (finished && random.chance(0.8)) addInvoice(world, random, owner, job, now);
}

function addInvoice(world: World, random: Random, owner: Customer, job: Job, now: number): void {
  const issuedAt = Math.min(now, (job.endAt ?? job.createdAt) + random.int(0, 5) * DAY);
  const dueAt = issuedAt + 30 * DAY;
  const status = invoiceStatus(random, dueAt, now);
  const invoice: Invoice = {
    key: world.invoices.length,
    customerKey: owner.key,
    jobKey: job.key,
    invoiceNumber: world.invoices.length + 1001,
    status,
    total: job.total,
    balance: status === 'paid' ? 0 : job.total,
    issuedAt,
    dueAt,
    createdAt: issuedAt,
    updatedAt: issuedAt,
    deletedAt: null,
    syncToken: 0,
  };
  world.invoices.push(invoice);
  if (status === 'paid') {
    const paidAt = Math.min(now, issuedAt + random.int(1, 40) * DAY);
    const payment: Payment = {
      key: world.payments.length,
      customerKey: owner.key,
      invoiceKey: invoice.key,
      amount: invoice.total,
      paidAt,
      createdAt: paidAt,
      updatedAt: paidAt,
      deletedAt: null,
      syncToken: 0,
    };
    world.payments.push(payment);
    invoice.updatedAt = paidAt;
  }
}

function addQuote(world: World, random: Random, owner: Customer, now: number): void {
  const [service, price] = random.pick(SERVICES);
  const quantity = random.int(1, 3);
  const createdAt = Math.min(now, owner.createdAt + random.int(0, 60) * DAY);
  const status = random.pick(QUOTE_STATUSES);
  const quote: Quote = {
    key: world.quotes.length,
    customerKey: owner.key,
    quoteNumber: world.quotes.length + 1,
    title: `${service} estimate`,
    status,
    lineItems: [{ name: service, description: null, quantity, unitPrice: price }],
    total: price * quantity,
    sentAt: status === 'draft' ? null : createdAt + DAY,
    createdAt,
    updatedAt: createdAt,
    deletedAt: null,
  };
  world.quotes.push(quote);
}

function addSlackAndEmail(world: World, random: Random, now: number): void {
  for (const [index, name] of SLACK_CHANNELS.entries()) {
    const channel: SlackChannel = {
      key: index,
      id: `C${random.hex(8).toUpperCase()}`,
      name,
      topic: `#${name} for the crew`,
      createdAt: now - 900 * DAY,
    };
    world.slackChannels.push(channel);
  }
  const messageCount = Math.min(5_000, world.customers.length * 2);
  let seconds = Math.floor((now - 60 * DAY) / 1000);
  for (let key = 0; key < messageCount; key += 1) {
    seconds += random.int(1, Math.max(2, Math.floor((60 * 86_400) / messageCount)));
    const owner = world.customers[random.int(0, world.customers.length - 1)];
    const message: SlackMessage = {
      key,
      channelKey: random.int(0, world.slackChannels.length - 1),
      ts: `${seconds}.${String(key % 1_000_000).padStart(6, '0')}`,
      threadTs: null,
      user: `U${random.hex(8).toUpperCase()}`,
      text: owner ? `Heads up: ${owner.firstName} ${owner.lastName} called about their appointment` : 'Morning, team',
    };
    world.slackMessages.push(message);
  }

  const emailCount = Math.min(5_000, world.customers.length * 2);
  for (let key = 0; key < emailCount; key += 1) {
    const owner = world.customers[random.int(0, world.customers.length - 1)];
    const from = owner?.email ?? 'someone@example.net';
    const email: EmailMessage = {
      key,
      threadKey: random.chance(0.3) && key > 0 ? random.int(0, key - 1) : key,
      from,
      to: 'office@sandbox-business.example',
      subject: random.pick(['Quote request', 'Rescheduling', 'Invoice question', 'Thank you!', 'Gate code']),
      body: `Hi, this is ${owner?.firstName ?? 'a customer'}. Could you call me back?`,
      sentAt: now - random.int(0, 60 * 24) * 3_600_000,
      labelIds: random.chance(0.4) ? ['INBOX', 'UNREAD'] : ['INBOX'],
      historyId: world.changeCounter++,
    };
    world.emails.push(email);
  }
}
