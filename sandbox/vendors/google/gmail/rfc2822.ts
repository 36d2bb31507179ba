import type { EmailMessage } from '../../../core/world.js';
import { contentTypeParam, splitMultipart } from '../body.js';

export interface Header {
  name: string;
  value: string;
}

export interface ParsedMessage {
  headers: Header[];
  /** The first text/plain body, decoded. */
  text: string;
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`), as mail clients put non-ASCII subjects. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BQ]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  return Buffer.from(
    soft.replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

function splitHeaders(raw: Buffer): { headers: Header[]; body: Buffer } {
  // No header block at all (a MIME part may have none): the body starts after the first line break.
  if (raw[0] === 10) return { headers: [], body: raw.subarray(1) };
  if (raw[0] === 13 && raw[1] === 10) return { headers: [], body: raw.subarray(2) };
  let split = raw.indexOf('\r\n\r\n');
  let gap = 4;
  if (split < 0) {
    split = raw.indexOf('\n\n');
    gap = 2;
  }
  const head = (split < 0 ? raw : raw.subarray(0, split)).toString('utf8');
  const headers = head
    .split(/\r?\n(?![ \t])/)
    .map((line) => {
      const colon = line.indexOf(':');
      return colon > 0
        ? {
            name: line.slice(0, colon).trim(),
            value: decodeWords(
              line
                .slice(colon + 1)
                .replace(/\r?\n[ \t]+/g, ' ')
                .trim(),
            ),
          }
        : null;
    })
    .filter((header): header is Header => header !== null);
  return { headers, body: split < 0 ? Buffer.alloc(0) : raw.subarray(split + gap) };
}

/** The header block of a message alone (the body is not read). */
export const messageHeaders = (raw: Buffer): Header[] => splitHeaders(raw).headers;

export const headerValue = (headers: Header[], name: string): string | undefined =>
  headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;

/** One node of Gmail's `payload` (a MessagePart): a leaf carries its decoded body, a multipart its parts. */
export interface MessagePart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: Header[];
  body: { size: number; data?: string };
  parts?: MessagePart[];
}

function decodeBody(headers: Header[], body: Buffer): Buffer {
  const encoding = headerValue(headers, 'content-transfer-encoding')?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.toString('ascii'), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

/**
 * A MIME entity as Gmail's MessagePart tree: part ids "" for the message, "0", "1" for its parts, "0.1" below
 * them; bodies transfer-decoded and base64url-encoded; multipart containers have an empty body [DOC: Message].
 */
export function mimeTree(raw: Buffer, partId = ''): MessagePart {
  const { headers, body } = splitHeaders(raw);
  const contentType = headerValue(headers, 'content-type') ?? 'text/plain';
  const mimeType = contentType.split(';')[0]!.trim().toLowerCase();
  const disposition = headerValue(headers, 'content-disposition') ?? '';
  const filename = contentTypeParam(disposition, 'filename') ?? contentTypeParam(contentType, 'name') ?? '';
  if (mimeType.startsWith('multipart/') && contentTypeParam(contentType, 'boundary')) {
    const crlfBody = body.includes('\r\n') ? body : Buffer.from(body.toString('utf8').replace(/\n/g, '\r\n'));
    const parts = splitMultipart(crlfBody, contentType).map((part, index) =>
      mimeTree(part, partId === '' ? String(index) : `${partId}.${index}`),
    );
    return { partId, mimeType, filename, headers, body: { size: 0 }, parts };
  }
  const content = decodeBody(headers, body);
  return { partId, mimeType, filename, headers, body: { size: content.length, data: content.toString('base64url') } };
}

/** The first text/plain leaf's text, depth first. */
function firstText(part: MessagePart): string | null {
  if (part.parts) {
    for (const child of part.parts) {
      const text = firstText(child);
      if (text !== null) return text;
    }
    return null;
  }
  return part.mimeType === 'text/plain' && part.body.data !== undefined
    ? Buffer.from(part.body.data, 'base64url').toString('utf8')
    : null;
}

/** Reads an RFC 2822 message: its headers (unfolded, encoded words decoded) and its plain-text body. */
export function parseMessage(raw: Buffer): ParsedMessage {
  const tree = mimeTree(raw);
  return { headers: tree.headers, text: firstText(tree) ?? '' };
}

/** The addresses in an address-list header: `"Ann" <ann@x.com>, bob@y.com` → both addresses. */
export function addresses(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((item) => (/<([^>]+)>/.exec(item)?.[1] ?? item).trim())
    .filter((item) => /^[^\s@]+@[^\s@]+$/.test(item));
}

/** `Tue, 1 Jul 2025 10:00:00 +0000` */
export function rfc2822Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** The headers Gmail shows for a world email (one without stored raw bytes). */
export function worldHeaders(email: EmailMessage, id: string): Header[] {
  return [
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Date', value: rfc2822Date(email.sentAt) },
    { name: 'Message-ID', value: `<${id}.sandbox@mail.gmail.com>` },
    { name: 'Subject', value: email.subject },
    { name: 'From', value: email.from },
    { name: 'To', value: email.to },
    { name: 'Content-Type', value: 'text/plain; charset="UTF-8"' },
  ];
}

/** RFC 2822 bytes of a world email; non-ASCII subjects as encoded words. */
export function composeMessage(headers: Header[], body: string): string {
  const encode = (value: string) =>
    /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
  const head = headers.map((header) => `${header.name}: ${encode(header.value)}`).join('\r\n');
  return `${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}
