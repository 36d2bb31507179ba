import type { Context } from 'koa';
import { badRequest, GoogleError } from './errors.js';

/** The request body as bytes (upload routes skip the JSON body parser). */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new GoogleError(413, 'uploadTooLarge', 'Request Too Large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
}

/** The value of one `Content-Type` parameter (`boundary`, `charset`), quoted or not. */
export function contentTypeParam(contentType: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The raw bytes (headers and body) of each part of a multipart body (RFC 2046), preamble and epilogue dropped. */
export function splitMultipart(body: Buffer, contentType: string): Buffer[] {
  const boundary = contentTypeParam(contentType, 'boundary');
  if (!boundary) throw badRequest('Missing boundary in multipart body.');
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position < 0) throw badRequest('Malformed multipart body.');
  const parts: Buffer[] = [];
  for (;;) {
    let start = position + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body[start] === 13 && body[start + 1] === 10) start += 2;
    const next = body.indexOf(separator, start);
    if (next < 0) throw badRequest('Malformed multipart body.');
    parts.push(body.subarray(start, next));
    position = next + 2;
  }
  return parts;
}

/**
 * Splits a multipart body into parts, each with its headers (names lower-cased) and its body, base64 decoded.
 * googleapis sends uploads as `multipart/related`: part 1 the JSON metadata, part 2 the media, each with its own
 * `content-type` [SDK: googleapis-common apirequest.js].
 */
export function parseMultipart(body: Buffer, contentType: string): MimePart[] {
  return splitMultipart(body, contentType).map((part) => {
    const split = part.subarray(0, 2).toString() === '\r\n' ? 0 : part.indexOf('\r\n\r\n');
    if (split < 0) throw badRequest('Malformed multipart body.');
    const headers = parseHeaders(part.subarray(0, split).toString('utf8'));
    let content = part.subarray(split === 0 ? 2 : split + 4);
    if (headers['content-transfer-encoding']?.toLowerCase() === 'base64') {
      content = Buffer.from(content.toString('ascii'), 'base64');
    }
    return { headers, body: content };
  });
}
