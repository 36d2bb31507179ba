import type { FieldError } from './errors.js';

/*
 * Server-side checks of `POST /v3/mail/send`, with SendGrid's field paths (`personalizations.0.to.1.email`). Field
 * paths follow the documented error format [DOC]; message texts are from memory of real responses (UNVERIFIED).
 */

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_RECIPIENTS = 1000;
const MAX_CATEGORIES = 10;

export interface Address {
  email: string;
  name?: string;
}

export interface Personalization {
  to: Address[];
  cc: Address[];
  bcc: Address[];
  subject?: string;
  custom_args: Record<string, string>;
  send_at?: number;
}

export interface Attachment {
  filename: string;
  type?: string;
  /** SendGrid's default is `attachment`. */
  disposition: string;
  content_id?: string;
  /** Decoded size in bytes. */
  bytes: number;
}

/** A validated mail/send body, normalised (arrays present, custom args as strings). */
export interface MailSend {
  personalizations: Personalization[];
  from: Address;
  reply_to?: Address;
  subject?: string;
  content: Array<{ type: string; value: string }>;
  template_id?: string;
  categories: string[];
  custom_args: Record<string, string>;
  attachments: Attachment[];
  send_at?: number;
  asm_group_id?: number;
  sandboxMode: boolean;
  openTracking: boolean;
  clickTracking: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function strings(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, typeof v === 'string' ? v : String(v)]));
}

class Checker {
  readonly errors: FieldError[] = [];

  fail(field: string | null, message: string, anchor = ''): void {
    this.errors.push({ message, field, help: field === null ? null : `${HELP}#${anchor || `message.${field}`}` });
  }

  address(value: unknown, field: string, message: string): Address | undefined {
    if (!isObject(value) || !isText(value.email) || !EMAIL.test(value.email)) {
      this.fail(`${field}.email`, message, `message.${field}`);
      return undefined;
    }
    return { email: value.email, ...(isText(value.name) ? { name: value.name } : {}) };
  }

  recipients(value: unknown, field: string, required: boolean): Address[] {
    if (value === undefined && !required) return [];
    if (!Array.isArray(value) || value.length === 0) {
      const message = required
        ? 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.'
        : `The ${field.split('.').pop()} array must have at least one email object with a valid email address.`;
      this.fail(field, message, `message.${field.replace(/\.\d+/, '')}`);
      return [];
    }
    return value.flatMap(
      (entry, index) => this.address(entry, `${field}.${index}`, 'Does not contain a valid address.') ?? [],
    );
  }

  personalization(value: unknown, index: number): Personalization {
    const field = `personalizations.${index}`;
    const p = isObject(value) ? value : {};
    const result: Personalization = {
      to: this.recipients(p.to, `${field}.to`, true),
      cc: this.recipients(p.cc, `${field}.cc`, false),
      bcc: this.recipients(p.bcc, `${field}.bcc`, false),
      custom_args: strings(p.custom_args),
      ...(isText(p.subject) ? { subject: p.subject } : {}),
      ...(typeof p.send_at === 'number' ? { send_at: p.send_at } : {}),
    };
    const seen = new Set<string>();
    for (const kind of ['to', 'cc', 'bcc'] as const) {
      for (const { email } of result[kind]) {
        const address = email.toLowerCase();
        if (seen.has(address)) {
          this.fail(
            `${field}.${kind}`,
            `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${email}] in the ${field}.${kind} field.`,
            'message.recipient_errors',
          );
          return result;
        }
        seen.add(address);
      }
    }
    return result;
  }

  content(value: unknown, required: boolean): MailSend['content'] {
    if (value === undefined && !required) return [];
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(
        'content',
        'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.',
      );
      return [];
    }
    const blocks: MailSend['content'] = [];
    value.forEach((entry: unknown, index) => {
      const block = isObject(entry) ? entry : {};
      if (!isText(block.type)) {
        this.fail(`content.${index}.type`, 'The content type must be a string at least one character in length.');
      }
      if (!isText(block.value)) {
        this.fail(`content.${index}.value`, 'The content value must be a string at least one character in length.');
      }
      if (isText(block.type) && isText(block.value)) blocks.push({ type: block.type, value: block.value });
    });
    const order = blocks.map((block) => block.type);
    const html = order.indexOf('text/html');
    const plain = order.indexOf('text/plain');
    if (plain > 0 || (html >= 0 && html !== (plain === 0 ? 1 : 0))) {
      this.fail(
        'content',
        'If present, text/plain and text/html may only be provided in this order: text/plain, text/html, followed by any other content.',
      );
    }
    return blocks;
  }

  attachments(value: unknown): Attachment[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail('attachments', 'The attachments parameter must be an array.');
      return [];
    }
    return value.flatMap((entry: unknown, index) => {
      const field = `attachments.${index}`;
      const a = isObject(entry) ? entry : {};
      const before = this.errors.length;
      if (!isText(a.content)) this.fail(`${field}.content`, 'The attachment content is required.');
      else if (!BASE64.test(a.content.replace(/\s/g, '')))
        this.fail(`${field}.content`, 'The attachment content must be base64 encoded.');
      if (!isText(a.filename)) this.fail(`${field}.filename`, 'The attachment filename parameter is required.');
      if (a.disposition === 'inline' && !isText(a.content_id))
        this.fail(`${field}.content_id`, 'The content_id parameter is required if disposition is set to inline.');
      if (this.errors.length > before) return [];
      return [
        {
          filename: a.filename as string,
          bytes: Buffer.from(a.content as string, 'base64').length,
          ...(isText(a.type) ? { type: a.type } : {}),
          disposition: isText(a.disposition) ? a.disposition : 'attachment',
          ...(isText(a.content_id) ? { content_id: a.content_id } : {}),
        },
      ];
    });
  }

  categories(value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry.length <= 255)) {
      this.fail('categories', 'Categories must be an array of strings, each at most 255 characters long.');
      return [];
    }
    if (value.length > MAX_CATEGORIES) this.fail('categories', 'Too many categories. Please limit to 10.');
    return value as string[];
  }
}

function setting(settings: unknown, name: string): boolean | undefined {
  const entry = isObject(settings) ? settings[name] : undefined;
  return isObject(entry) && typeof entry.enable === 'boolean' ? entry.enable : undefined;
}

/** Checks a parsed body; returns SendGrid's errors (all of them, as SendGrid does) or the normalised mail. */
export function validateMailSend(body: unknown): { errors: FieldError[] } | { mail: MailSend } {
  const check = new Checker();
  if (!isObject(body)) {
    check.fail(null, 'Bad Request');
    return { errors: check.errors };
  }
  let personalizations: Personalization[] = [];
  if (!Array.isArray(body.personalizations) || body.personalizations.length === 0) {
    check.fail(
      'personalizations',
      'The personalizations field is required and must have at least one personalization.',
      '-Personalizations-Errors',
    );
  } else {
    personalizations = body.personalizations.map((p: unknown, index) => check.personalization(p, index));
    const total = personalizations.reduce((sum, p) => sum + p.to.length + p.cc.length + p.bcc.length, 0);
    if (total > MAX_RECIPIENTS) {
      check.fail(
        'personalizations',
        'The total number of recipients must be less than 1000. This includes all recipients defined within the to, cc, and bcc parameters, across each object that you include in the personalizations array.',
        '-Personalizations-Errors',
      );
    }
  }
  let from: Address | undefined;
  if (body.from === undefined) {
    check.fail(
      'from.email',
      'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.',
      'message.from',
    );
  } else {
    from = check.address(body.from, 'from', 'The from email does not contain a valid address.');
  }
  const replyTo =
    body.reply_to === undefined
      ? undefined
      : check.address(body.reply_to, 'reply_to', 'The reply_to email does not contain a valid address.');
  const templateId = isText(body.template_id) ? body.template_id : undefined;
  const subject = isText(body.subject) ? body.subject : undefined;
  if (!templateId && !subject && !(personalizations.length > 0 && personalizations.every((p) => p.subject))) {
    check.fail(
      'subject',
      'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
    );
  }
  const content = check.content(body.content, !templateId);
  const attachments = check.attachments(body.attachments);
  const categories = check.categories(body.categories);
  if (check.errors.length > 0 || !from) return { errors: check.errors };
  const asm = isObject(body.asm) && typeof body.asm.group_id === 'number' ? body.asm.group_id : undefined;
  return {
    mail: {
      personalizations,
      from,
      content,
      categories,
      attachments,
      custom_args: strings(body.custom_args),
      sandboxMode: setting(body.mail_settings, 'sandbox_mode') ?? false,
      openTracking: setting(body.tracking_settings, 'open_tracking') ?? true,
      clickTracking: setting(body.tracking_settings, 'click_tracking') ?? true,
      ...(replyTo ? { reply_to: replyTo } : {}),
      ...(subject ? { subject } : {}),
      ...(templateId ? { template_id: templateId } : {}),
      ...(typeof body.send_at === 'number' ? { send_at: body.send_at } : {}),
      ...(asm !== undefined ? { asm_group_id: asm } : {}),
    },
  };
}
