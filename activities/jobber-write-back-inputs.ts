import type { PostalAddress } from '../db/entities/index.js';
import type { JobberClientCreateInput } from '../integrations/jobber/client.js';
import type {
  JobberClientEditInput,
  JobberClientForEdit,
  JobberContactPoint,
  JobberJobCreateAttributes,
} from '../integrations/jobber/mutations.js';

/** A client row as the write-back pushes it. */
export interface ClientState {
  name: string;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
}

/** A job row as the write-back pushes it. */
export interface JobState {
  title: string;
  description: string | null;
  scheduledStart: Date | null;
  scheduledEnd: Date | null;
}

/**
 * Our one `name` as Jobber's person name: the last word is the last name ("Dana M. Ortiz" → "Dana M." + "Ortiz").
 * A client Jobber keeps as a company gets the whole name as its company name instead.
 */
export function personName(name: string): { firstName: string; lastName: string } {
  const words = name.trim().split(/\s+/);
  if (words.length === 1) return { firstName: words[0]!, lastName: '' };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1)! };
}

function billingAddress(address: PostalAddress | null): JobberClientEditInput['billingAddress'] | undefined {
  if (!address) return undefined;
  const entries = Object.entries(address).filter(([, value]) => typeof value === 'string' && value !== '');
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

export function clientCreateInput(state: ClientState): JobberClientCreateInput {
  const address = billingAddress(state.address);
  return {
    ...personName(state.name),
    ...(state.email ? { emails: [{ address: state.email, primary: true }] } : {}),
    ...(state.phone ? { phones: [{ number: state.phone, primary: true }] } : {}),
    ...(address ? { billingAddress: address } : {}),
  };
}

/** Our single value against Jobber's primary one of a list: edit it in place, add it, or delete it. */
function contactChange(points: JobberContactPoint[], wanted: string | null, same: (a: string, b: string) => boolean) {
  const primary = points.find((point) => point.primary) ?? points[0];
  if (wanted === null) return primary ? { remove: [primary.id] } : {};
  if (!primary) return { add: wanted };
  return same(primary.value, wanted) ? {} : { edit: { id: primary.id, value: wanted } };
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const samePhone = (a: string, b: string) =>
  a.replace(/\D/g, '').replace(/^1(\d{10})$/, '$1') === b.replace(/\D/g, '').replace(/^1(\d{10})$/, '$1');

/** The clientEdit input that makes Jobber's client equal to our row (unchanged contact points are left alone). */
export function clientEditInput(current: JobberClientForEdit, state: ClientState): JobberClientEditInput {
  const name = current.isCompany ? { companyName: state.name.trim() } : personName(state.name);
  const email = contactChange(current.emails, state.email, sameEmail);
  const phone = contactChange(current.phones, state.phone, samePhone);
  const address = billingAddress(state.address);
  return {
    ...name,
    ...('add' in email && email.add ? { emailsToAdd: [{ address: email.add, primary: true }] } : {}),
    ...('edit' in email && email.edit ? { emailsToEdit: [{ id: email.edit.id, address: email.edit.value }] } : {}),
    ...('remove' in email && email.remove ? { emailsToDelete: email.remove } : {}),
    ...('add' in phone && phone.add ? { phonesToAdd: [{ number: phone.add, primary: true }] } : {}),
    ...('edit' in phone && phone.edit ? { phonesToEdit: [{ id: phone.edit.id, number: phone.edit.value }] } : {}),
    ...('remove' in phone && phone.remove ? { phonesToDelete: phone.remove } : {}),
    ...(address ? { billingAddress: address } : {}),
  };
}

/** A one-off job billed once on completion: what the dashboard's jobs are. */
export function jobCreateAttributes(propertyId: string, state: JobState): JobberJobCreateAttributes {
  return {
    propertyId,
    title: state.title,
    ...(state.description ? { instructions: state.description } : {}),
    invoicing: { invoicingType: 'FIXED_PRICE', invoicingSchedule: 'ON_COMPLETION' },
    ...(state.scheduledStart
      ? {
          timeframe: {
            startAt: state.scheduledStart.toISOString(),
            ...(state.scheduledEnd ? { endAt: state.scheduledEnd.toISOString() } : {}),
          },
        }
      : {}),
  };
}
