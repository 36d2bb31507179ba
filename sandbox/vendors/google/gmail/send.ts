import type { Context } from 'koa';
import type { EmailMessage } from '../../../core/world.js';
import { parseMultipart, readRawBody } from '../body.js';
import { current, type GoogleDeps } from '../context.js';
import { badRequest, GoogleError } from '../errors.js';
import { messageId, messageKey } from '../ids.js';
import { stringParam } from '../paging.js';
import { recordHistory } from './history.js';
import { addresses, headerValue, parseMessage, rfc2822Date, type Header } from './rfc2822.js';
import { messageIdOf } from './views.js';

const invalidArgument = (message: string) => new GoogleError(400, 'invalidArgument', message);

/** Bcc is stripped from what recipients (and `format=raw`) see. */
function withoutBcc(text: string): string {
  const blank = /\r?\n\r?\n/.exec(text);
  const cut = blank ? blank.index + (blank[0].startsWith('\r') ? 2 : 1) : text.length;
  return text.slice(0, cut).replace(/^Bcc:.*\r?\n(?:[ \t].*\r?\n)*/im, '') + text.slice(cut);
}

/**
 * Gmail completes what the sender left out: From (the account), a Message-ID of its own and the Date. A
 * Message-ID the sender wrote is kept, so the message can be found again with `rfc822msgid:` (UNVERIFIED for API
 * sends: Gmail documents the search operator, not whether it ever replaces the header).
 */
function completeHeaders(raw: string, headers: Header[], key: number, now: number, from: string): string {
  const added = [
    ...(headerValue(headers, 'from') ? [] : [`From: ${from}`]),
    ...(headerValue(headers, 'message-id') ? [] : [`Message-ID: <${messageId(key)}.sandbox@mail.gmail.com>`]),
    ...(headerValue(headers, 'date') ? [] : [`Date: ${rfc2822Date(now)}`]),
  ];
  return added.length === 0 ? raw : `${added.join('\r\n')}\r\n${raw}`;
}

/**
 * Sends one RFC 2822 message as the sandbox user: it joins the world's mail (label SENT, a new history record)
 * and is recorded as an `email` delivery with the parsed recipients and subject.
 */
export function sendRaw(deps: GoogleDeps, raw: Buffer, threadId: string | undefined): EmailMessage {
  const parsed = parseMessage(raw);
  const to = addresses(headerValue(parsed.headers, 'to'));
  const cc = addresses(headerValue(parsed.headers, 'cc'));
  const bcc = addresses(headerValue(parsed.headers, 'bcc'));
  if (headerValue(parsed.headers, 'to') !== undefined && to.length === 0) throw invalidArgument('Invalid To header');
  if (to.length + cc.length + bcc.length === 0) throw invalidArgument('Recipient address required');
  const { world, state } = current(deps);
  const subject = headerValue(parsed.headers, 'subject') ?? '';
  const key = world.emails.length;
  const now = Date.now();
  const threadKey = threadId === undefined ? null : messageKey(threadId);
  const email: EmailMessage = {
    key,
    threadKey: threadKey !== null && world.emails.some((other) => other.threadKey === threadKey) ? threadKey : key,
    // Gmail sends as the authenticated user whatever the From header says.
    from: deps.options.userEmail,
    to: to.join(', '),
    subject,
    body: parsed.text,
    sentAt: now,
    labelIds: ['SENT'],
    historyId: world.changeCounter++,
  };
  world.emails.push(email);
  state.rawMessages.set(key, completeHeaders(withoutBcc(raw.toString('utf8')), parsed.headers, key, now, email.from));
  recordHistory(state, email, { messageAdded: true });
  deps.sandbox.deliveries.record('google', 'email', {
    messageId: messageId(key),
    threadId: messageId(email.threadKey),
    from: email.from,
    to,
    cc,
    bcc,
    subject,
    text: parsed.text,
    rfc822MessageId: messageIdOf(state, email) ?? null,
    size: raw.length,
  });
  return email;
}

/** `POST /gmail/v1/users/{userId}/messages/send` with JSON `{raw, threadId?}` (base64url). */
export function sendJson(deps: GoogleDeps, ctx: Context): EmailMessage {
  const body = (ctx.request.body ?? {}) as { raw?: unknown; threadId?: unknown };
  if (typeof body.raw !== 'string' || body.raw.length === 0) {
    throw invalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
  }
  // Node's base64 decoder reads both alphabets; Gmail documents base64url.
  return sendRaw(deps, Buffer.from(body.raw, 'base64'), typeof body.threadId === 'string' ? body.threadId : undefined);
}

/** `POST /upload/gmail/v1/users/{userId}/messages/send`: `uploadType=media` (message/rfc822) or `multipart`. */
export async function sendUpload(deps: GoogleDeps, ctx: Context): Promise<EmailMessage> {
  const uploadType = stringParam(ctx.query.uploadType);
  const raw = await readRawBody(ctx, deps.options.maxUploadBytes);
  if (uploadType === 'media') return sendRaw(deps, raw, undefined);
  if (uploadType === 'multipart') {
    const [metadata, media] = parseMultipart(raw, ctx.get('content-type'));
    if (!metadata || !media) throw badRequest('Multipart upload needs metadata and media parts.');
    let threadId: string | undefined;
    try {
      const parsed = JSON.parse(metadata.body.toString('utf8') || '{}') as { threadId?: unknown };
      threadId = typeof parsed.threadId === 'string' ? parsed.threadId : undefined;
    } catch {
      throw badRequest('Parse Error', 'parseError');
    }
    return sendRaw(deps, media.body, threadId);
  }
  throw new GoogleError(400, 'badRequest', `Invalid upload type: ${uploadType ?? ''}`, {
    locationType: 'parameter',
    location: 'uploadType',
  });
}
