import type { IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import type { Middleware } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import { activityForSend, type ActivityMessage } from './activity.js';
import type { AuthState } from './auth.js';
import { MESSAGES, SendgridError } from './errors.js';
import type { EventBatcher } from './event-webhook.js';
import { eventsForSend } from './events.js';
import { messageId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { validateMailSend, type Address, type MailSend } from './validate.js';

/** "The total size of your email, including attachments, must be less than 30MB." [DOC] */
const MAX_BODY_BYTES = 30 * 1024 * 1024;

/** What the simulator remembers between sends; dropped on reset. */
export class SendState {
  sequence = 0;
  /** Suppression list: address (lower case) → the reason a `dropped` event gives. */
  readonly suppressed = new Map<string, string>();
  /** What the Email Activity feed lists: a row per accepted send and recipient. */
  readonly activity: ActivityMessage[] = [];

  reset(): void {
    this.sequence = 0;
    this.suppressed.clear();
    this.activity.length = 0;
  }
}

export interface MailSendDeps {
  sandbox: Sandbox;
  options: () => ResolvedOptions;
  state: SendState;
  events: EventBatcher;
}

async function readJson(ctx: { get(name: string): string; req: IncomingMessage }): Promise<unknown> {
  if (Number(ctx.get('content-length') || 0) > MAX_BODY_BYTES) throw tooLarge();
  const raw = await text(ctx.req);
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw tooLarge();
  try {
    return JSON.parse(raw);
  } catch {
    throw new SendgridError(400, [{ field: null, message: MESSAGES.badRequest, help: null }]);
  }
}

function tooLarge(): SendgridError {
  return new SendgridError(413, [
    { field: null, message: 'The JSON payload you have included in your request is too large.', help: null },
  ]);
}

function isVerified(from: Address, senders: readonly string[] | null): boolean {
  if (!senders) return true;
  const email = from.email.toLowerCase();
  return senders.some((sender) => {
    const s = sender.toLowerCase();
    return s.startsWith('@') ? email.endsWith(s) : email === s;
  });
}

const emails = (addresses: Address[]): string[] => addresses.map((address) => address.email);

/** The delivery-log entry: what a test checks about an email that "went out". */
function deliveryDetail(sandbox: Sandbox, mail: MailSend, id: string): Record<string, unknown> {
  const p = mail.personalizations;
  const recipients = new Set(p.flatMap((x) => [...x.to, ...x.cc, ...x.bcc]).map((a) => a.email.toLowerCase()));
  // Which world customers this reached (canonical email; SendGrid keeps no customer copies of its own).
  const customerKeys = sandbox.world.customers
    .filter((c) => !c.deletedAt && c.email && recipients.has(c.email.toLowerCase()))
    .map((c) => c.key);
  return {
    messageId: id,
    from: mail.from.email,
    ...(mail.from.name ? { fromName: mail.from.name } : {}),
    ...(mail.reply_to ? { reply_to: mail.reply_to.email } : {}),
    to: p.flatMap((x) => emails(x.to)),
    cc: p.flatMap((x) => emails(x.cc)),
    bcc: p.flatMap((x) => emails(x.bcc)),
    subject: p[0]?.subject ?? mail.subject ?? null,
    personalizations: p.map((x) => ({
      to: emails(x.to),
      cc: emails(x.cc),
      bcc: emails(x.bcc),
      subject: x.subject ?? mail.subject ?? null,
      custom_args: x.custom_args,
      ...(x.send_at !== undefined ? { send_at: x.send_at } : {}),
    })),
    text: mail.content.find((block) => block.type === 'text/plain')?.value ?? null,
    html: mail.content.find((block) => block.type === 'text/html')?.value ?? null,
    template_id: mail.template_id ?? null,
    categories: mail.categories,
    custom_args: mail.custom_args,
    attachments: mail.attachments,
    ...(mail.send_at !== undefined ? { send_at: mail.send_at } : {}),
    customerKeys,
  };
}

/**
 * `POST /v3/mail/send`: validate, then 202 with an empty body and X-Message-Id, a delivery-log entry, Event
 * Webhook events and Email Activity rows. Sandbox mode validates only: no id, no delivery, no events, no rows.
 */
export function mailSend({ sandbox, options, state, events }: MailSendDeps): Middleware<AuthState> {
  return async (ctx) => {
    const result = validateMailSend(await readJson(ctx));
    if ('errors' in result) throw new SendgridError(400, result.errors);
    const { mail } = result;
    const settings = options();
    if (!isVerified(mail.from, settings.verifiedSenders)) {
      throw new SendgridError(403, [
        {
          field: 'from',
          message:
            'The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements',
          help: null,
        },
      ]);
    }
    ctx.body = null;
    if (mail.sandboxMode) {
      ctx.status = settings.sandboxModeStatus;
      return;
    }
    state.sequence += 1;
    const id = messageId(sandbox.world.seed, state.sequence);
    const at = Date.now();
    sandbox.deliveries.record('sendgrid', 'email', deliveryDetail(sandbox, mail, id));
    // Always computed: a bounce suppresses the address even when no webhook URL is configured.
    const send = { messageId: id, sequence: state.sequence, at };
    const outcome = eventsForSend(mail, send, settings, state.suppressed);
    state.activity.push(...activityForSend(mail, send, outcome));
    if (sandbox.settings.webhookUrls.sendgrid) events.add(outcome);
    ctx.status = 202;
    ctx.set('X-Message-Id', id);
  };
}
