import type { EmailMessage } from '../../../core/world.js';

type Predicate = (email: EmailMessage) => boolean;

const DAY = 86_400_000;
const UNITS: Record<string, number> = { d: DAY, m: 30 * DAY, y: 365 * DAY };

const contains = (field: string, text: string) => field.toLowerCase().includes(text.toLowerCase());

/** What some search terms need beyond the message record: the mailbox's labels and the Message-ID header. */
export interface SearchContext {
  /** The ids of the user labels a `label:` term names. */
  userLabelIdsNamed(name: string): string[];
  /** The message's RFC 822 Message-ID header, angle brackets included. */
  messageIdOf(email: EmailMessage): string | undefined;
}

const NO_CONTEXT: SearchContext = { userLabelIdsNamed: () => [], messageIdOf: () => undefined };

/** A Message-ID without its angle brackets, which `rfc822msgid:` accepts either way. */
const bareMessageId = (value: string) => value.trim().replace(/^<(.*)>$/, '$1');

function dateOf(value: string): number {
  const [year, month, day] = value.split(/[/-]/).map(Number);
  return Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1);
}

function term(operator: string | undefined, value: string, now: number, context: SearchContext): Predicate {
  const upper = value.toUpperCase();
  switch (operator?.toLowerCase()) {
    case 'is':
      if (upper === 'READ') return (email) => !email.labelIds.includes('UNREAD');
      return (email) => email.labelIds.includes(upper);
    case 'in':
      if (upper === 'ANYWHERE') return () => true;
      return (email) => email.labelIds.includes(upper);
    case 'label': {
      const userLabels = context.userLabelIdsNamed(value);
      return (email) =>
        email.labelIds.some((label) => label.toUpperCase() === upper.replace(/-/g, '_') || userLabels.includes(label));
    }
    case 'rfc822msgid': {
      const wanted = bareMessageId(value);
      return (email) => {
        const header = context.messageIdOf(email);
        return header !== undefined && bareMessageId(header) === wanted;
      };
    }
    case 'from':
      return (email) => contains(email.from, value);
    case 'to':
      return (email) => contains(email.to, value);
    case 'subject':
      return (email) => contains(email.subject, value);
    case 'after':
      return (email) => email.sentAt >= dateOf(value);
    case 'before':
      return (email) => email.sentAt < dateOf(value);
    case 'newer_than':
    case 'older_than': {
      const match = /^(\d+)([dmy])$/i.exec(value);
      const cutoff = match ? now - Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : now;
      return operator.toLowerCase() === 'newer_than'
        ? (email) => email.sentAt >= cutoff
        : (email) => email.sentAt < cutoff;
    }
    default: {
      const text = operator ? `${operator}:${value}` : value;
      return (email) => [email.subject, email.body, email.from, email.to].some((field) => contains(field, text));
    }
  }
}

/**
 * A small subset of Gmail search (`q`): `is:`, `in:`, `label:`, `from:`, `to:`, `subject:`, `after:`, `before:`,
 * `newer_than:`, `older_than:`, `rfc822msgid:` (the Message-ID header [DOC: Gmail search operators]), quoted
 * phrases, bare words and `-` negation, all ANDed.
 */
export function parseSearch(
  q: string,
  context: SearchContext = NO_CONTEXT,
  now = Date.now(),
): { matches: Predicate; mentionsSpamOrTrash: boolean } {
  const predicates: Predicate[] = [];
  let mentionsSpamOrTrash = false;
  for (const match of q.matchAll(/(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)) {
    const [, negate, operator, quoted, bare] = match;
    const value = quoted ?? bare ?? '';
    if (operator?.toLowerCase() === 'in' && /^(spam|trash|anywhere)$/i.test(value)) mentionsSpamOrTrash = true;
    const predicate = term(operator, value, now, context);
    predicates.push(negate ? (email) => !predicate(email) : predicate);
  }
  return { matches: (email) => predicates.every((predicate) => predicate(email)), mentionsSpamOrTrash };
}
