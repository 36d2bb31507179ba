import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `signature` is base64(HMAC-SHA256(key, raw body)), the scheme Jobber and Intuit both sign webhooks with,
 * compared in constant time. A digest has a fixed length, so leaving early on a length mismatch reveals nothing.
 */
export function base64HmacSha256Matches(key: string, rawBody: string, signature: string | undefined): boolean {
  if (!key || !signature) return false;
  const expected = createHmac('sha256', key).update(rawBody, 'utf8').digest();
  const presented = Buffer.from(signature, 'base64');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
