import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * API key format: `bdk_<id>_<secret>`. The id (public, unique) finds the row; only a SHA-256 of the secret is
 * stored. A fast hash is right here: the secret is 256 random bits, so there is nothing to brute-force, unlike a
 * password.
 */
export const API_KEY_PREFIX = 'bdk_';
const KEY_PATTERN = /^bdk_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  /** The whole key, shown to its creator once. */
  key: string;
  keyPrefix: string;
  keyHash: string;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function randomId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // Bytes from 248 (4 × 62) up are skipped so that every character is equally likely.
  let id = '';
  while (id.length < 16) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && id.length < 16) id += alphabet[byte % 62];
    }
  }
  return id;
}

export function generateApiKey(): GeneratedApiKey {
  const keyPrefix = randomId();
  const secret = randomBytes(32).toString('base64url');
  return { key: `${API_KEY_PREFIX}${keyPrefix}_${secret}`, keyPrefix, keyHash: hashSecret(secret) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** Splits a presented key into the id to look up and the secret to check; null when it is not well-formed. */
export function parseApiKey(key: string): { keyPrefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { keyPrefix: match[1]!, secret: match[2]! } : null;
}

export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
