import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/*
 * argon2id from Node's own crypto (24.7+), which runs it on the libuv thread pool: hashing never blocks the event
 * loop. Parameters are OWASP's Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane.
 * Hashes are stored in the PHC string format, so parameters can be raised later and old hashes still verify
 * (and `needsRehash` says when to upgrade one at the next successful login).
 */
const argon2Async = promisify(argon2);

export interface Argon2Parameters {
  /** KiB */
  memory: number;
  passes: number;
  parallelism: number;
}

export const PASSWORD_HASH_PARAMETERS: Readonly<Argon2Parameters> = { memory: 19_456, passes: 2, parallelism: 1 };
const SALT_BYTES = 16;
const TAG_BYTES = 32;
const ARGON2_VERSION = 19;

/** Length rules from NIST SP 800-63B: a floor, a generous ceiling, no composition rules. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

async function derive(password: string, salt: Buffer, params: Argon2Parameters, tagLength: number): Promise<Buffer> {
  return argon2Async('argon2id', {
    message: Buffer.from(password.normalize('NFKC'), 'utf8'),
    nonce: salt,
    memory: params.memory,
    passes: params.passes,
    parallelism: params.parallelism,
    tagLength,
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const tag = await derive(password, salt, PASSWORD_HASH_PARAMETERS, TAG_BYTES);
  const { memory, passes, parallelism } = PASSWORD_HASH_PARAMETERS;
  return `$argon2id$v=${ARGON2_VERSION}$m=${memory},t=${passes},p=${parallelism}$${b64(salt)}$${b64(tag)}`;
}

interface ParsedHash {
  params: Argon2Parameters;
  salt: Buffer;
  tag: Buffer;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parse(stored: string): ParsedHash | null {
  const match = PHC.exec(stored);
  if (!match) return null;
  const [, memory, passes, parallelism, salt, tag] = match;
  return {
    params: { memory: Number(memory), passes: Number(passes), parallelism: Number(parallelism) },
    salt: Buffer.from(salt!, 'base64'),
    tag: Buffer.from(tag!, 'base64'),
  };
}

/** Constant-time comparison; a stored value that is not one of our hashes never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const tag = await derive(password, parsed.salt, parsed.params, parsed.tag.length);
  return timingSafeEqual(tag, parsed.tag);
}

export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  const { memory, passes, parallelism } = PASSWORD_HASH_PARAMETERS;
  return parsed.params.memory < memory || parsed.params.passes < passes || parsed.params.parallelism !== parallelism;
}

/**
 * A hash of a password nobody knows, verified when the email matches no user, so an unknown email takes as long
 * to refuse as a wrong password (no account enumeration by timing).
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  return (decoyHash ??= hashPassword(randomBytes(32).toString('base64')));
}
