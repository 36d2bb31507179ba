import type { TwilioDeps } from '../context.js';
import { Form } from '../form.js';
import { messageJson, type MessageRecord } from '../message.js';

const DAY = 86_400_000;

/** `DateSent=2024-05-01` (that UTC day), `DateSent<=…` / `DateSent>=…` (inclusive); a date-time is exact. */
function dateFilter(form: Form): (message: MessageRecord) => boolean {
  const bound = (name: string, end: boolean): number | undefined => {
    const value = form.first(name);
    if (value === undefined) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    return /^\d{4}-\d{2}-\d{2}$/.test(value) && end ? at + DAY - 1 : at;
  };
  const after = bound('DateSent>', false) ?? bound('DateSent', false);
  const before = bound('DateSent<', true) ?? bound('DateSent', true);
  if (after === undefined && before === undefined) return () => true;
  return (message) =>
    message.dateSent !== null &&
    (after === undefined || message.dateSent >= after) &&
    (before === undefined || message.dateSent <= before);
}

/**
 * One page of the message log, newest first, with Twilio's paging envelope. `next_page_uri` is relative (the SDK
 * resolves it against its base URL) and carries `PageToken=PA<last SID>`; `previous_page_uri` carries
 * `PB<first SID>`. Without a usable token, `Page × PageSize` is the offset.
 */
export function listMessages(deps: TwilioDeps, querystring: string): Record<string, unknown> {
  const { store, options } = deps;
  const form = new Form(querystring);
  const pageSize = Math.min(1000, Math.max(1, Number.parseInt(form.first('PageSize') ?? '', 10) || 50));
  const page = Math.max(0, Number.parseInt(form.first('Page') ?? '', 10) || 0);
  const to = form.first('To');
  const from = form.first('From');
  const sentInRange = dateFilter(form);
  const matches = store.all().filter((m) => (!to || m.to === to) && (!from || m.from === from) && sentInRange(m));

  const token = form.first('PageToken') ?? '';
  const tokenIndex = token.length > 2 ? matches.findIndex((m) => m.sid === token.slice(2)) : -1;
  let start = page * pageSize;
  if (tokenIndex >= 0 && token.startsWith('PA')) start = tokenIndex + 1;
  if (tokenIndex >= 0 && token.startsWith('PB')) start = Math.max(0, tokenIndex - pageSize);
  const items = matches.slice(start, start + pageSize);

  const base = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`;
  const filters: Array<[string, string]> = [];
  for (const name of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']) {
    const value = form.first(name);
    if (value !== undefined) filters.push([name, value]);
  }
  const uri = (pageNumber: number, pageToken?: string) => {
    const query = new URLSearchParams([...filters, ['PageSize', String(pageSize)], ['Page', String(pageNumber)]]);
    if (pageToken) query.set('PageToken', pageToken);
    return `${base}?${query.toString()}`;
  };
  const hasNext = start + items.length < matches.length && items.length > 0;
  return {
    messages: items.map((message) => messageJson(message, options.accountSid)),
    end: items.length > 0 ? start + items.length - 1 : start,
    first_page_uri: uri(0),
    next_page_uri: hasNext ? uri(page + 1, `PA${items.at(-1)!.sid}`) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 && items.length > 0 ? uri(page - 1, `PB${items[0]!.sid}`) : null,
    start,
    uri: uri(page, token || undefined),
  };
}
