import type { Customer, CustomerVariant, World } from '../../core/world.js';
import { priceOf, type MessageRecord } from './message.js';
import { sidHex, type OutcomeRule, type ResolvedOptions } from './options.js';

const DAY = 86_400_000;

/** The customer's number as the business texts it: Twilio's variant (missing → never texted), else the record. */
export function twilioPhone(customer: Customer): string | null {
  const variant = (customer.variants as Record<string, CustomerVariant | undefined>).twilio;
  if (variant?.missing) return null;
  const phone = variant?.phone !== undefined ? variant.phone : customer.phone;
  if (!phone) return null;
  if (/^\+[1-9]\d{7,14}$/.test(phone)) return phone;
  const digits = phone.replace(/\D/g, '');
  return digits.length === 10 ? `+1${digits}` : null;
}

export function twilioName(customer: Customer): string {
  const variant = (customer.variants as Record<string, CustomerVariant | undefined>).twilio;
  return variant?.displayName ?? customer.firstName;
}

export function outcomeFor(to: string, rules: readonly OutcomeRule[]): OutcomeRule | undefined {
  return rules.find((rule) => to.endsWith(rule.suffix));
}

/**
 * The message log the account already has when the sandbox starts: an appointment reminder to the customer the
 * day before each past job, newest first. Derived from the world only, so the same seed gives the same SIDs.
 */
export function reminderHistory(world: World, options: ResolvedOptions): MessageRecord[] {
  const from = options.phoneNumbers[0];
  if (!options.history || !from) return [];
  const messages: MessageRecord[] = [];
  for (const job of world.jobs) {
    if (job.startAt === null) continue;
    const sentAt = job.startAt - DAY;
    if (sentAt > world.generatedAt || job.createdAt > sentAt) continue;
    const customer = world.customers[job.customerKey];
    const to = customer ? twilioPhone(customer) : null;
    if (!customer || !to) continue;
    const body = `Hi ${twilioName(customer)}, reminder: ${job.title} is booked for ${new Date(job.startAt).toUTCString().slice(0, 16)}. Reply STOP to opt out.`;
    const outcome = outcomeFor(to, options.outcomes);
    messages.push({
      sid: `SM${sidHex(`reminder:${world.seed}:${job.key}`)}`,
      direction: 'outbound-api',
      from,
      to,
      body,
      mediaUrls: [],
      messagingServiceSid: null,
      status: outcome?.status ?? 'delivered',
      errorCode: outcome?.errorCode ?? null,
      errorMessage: outcome?.errorMessage ?? null,
      price: outcome?.status === 'failed' ? null : priceOf(body),
      dateCreated: sentAt,
      dateSent: outcome?.status === 'failed' ? null : sentAt + 1000,
      dateUpdated: sentAt + 5000,
    });
  }
  return messages.sort((a, b) => b.dateCreated - a.dateCreated || (a.sid < b.sid ? 1 : -1));
}
