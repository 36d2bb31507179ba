import { createHash } from 'node:crypto';

/*
 * Airtable ids are a three-letter prefix plus 14 base-62 characters (`recXXXXXXXXXXXXXX`). Ours are derived from
 * world keys so they are stable across runs and resets, and record ids carry their key (last five characters)
 * so no id map has to be kept: a record id is valid when re-deriving it from its key gives the same id.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_CHARS = 5;

function base62(bytes: Buffer, length: number): string {
  let out = '';
  for (let index = 0; out.length < length; index += 1) out += ALPHABET[bytes[index % bytes.length]! % 62];
  return out;
}

function encodeKey(key: number): string {
  let out = '';
  let rest = key;
  for (let index = 0; index < KEY_CHARS; index += 1) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function decodeKey(text: string): number | null {
  let key = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    key = key * 62 + digit;
  }
  return key;
}

/** A fixed id for a named object: the base, a table, a field, the sandbox user, a webhook. */
export function airtableId(prefix: string, name: string): string {
  return prefix + base62(createHash('sha256').update(`${prefix}:${name}`).digest(), 14);
}

/** The id of the row for world record `key` in `table` (table name as the salt). */
export function recordId(table: string, key: number): string {
  return `rec${base62(createHash('sha256').update(`${table}:${key}`).digest(), 14 - KEY_CHARS)}${encodeKey(key)}`;
}

/** The world key behind a record id of `table`, or null when the id is not one of that table's. */
export function keyOfRecordId(table: string, id: string): number | null {
  if (id.length !== 17 || !id.startsWith('rec')) return null;
  const key = decodeKey(id.slice(17 - KEY_CHARS));
  return key !== null && recordId(table, key) === id ? key : null;
}
