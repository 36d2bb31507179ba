/*
 * libphonenumber-js is not among our dependencies, so SMS recipients follow one strict rule instead of guessing:
 *
 * - Only digits, spaces, '-', '.', one pair of parentheses around digits ("(512)"), and a '+' in front.
 * - With a '+': the digits are the E.164 number itself (country code first, 8 to 15 digits in all).
 * - Without one: a US number, 10 digits or 11 starting with 1 ("(512) 555-0123", "512.555.0123", "1-512-555-0123").
 * - Any +1 number must be a valid NANP number: area code and exchange each start with 2-9.
 *
 * Anything else (letters, extensions, 7-digit local numbers, "00" international prefixes) is refused rather than
 * sent to the wrong person.
 */

const ALLOWED = /^\+?[0-9 ().-]+$/;
const PARENTHESES = /^[^()]*(\([0-9]+\)[^()]*)?$/;
const E164 = /^\+[1-9][0-9]{7,14}$/;
const NANP = /^[2-9][0-9]{2}[2-9][0-9]{6}$/;

/** The E.164 form of a phone number written as above, or null when it does not follow the rule. */
export function toE164(input: string): string | null {
  const text = input.trim();
  if (!ALLOWED.test(text) || !PARENTHESES.test(text)) return null;
  const digits = text.replace(/[^0-9]/g, '');
  let e164: string;
  if (text.startsWith('+')) e164 = `+${digits}`;
  else if (digits.length === 10) e164 = `+1${digits}`;
  else if (digits.length === 11 && digits.startsWith('1')) e164 = `+${digits}`;
  else return null;
  if (!E164.test(e164)) return null;
  if (e164.startsWith('+1') && !(e164.length === 12 && NANP.test(e164.slice(2)))) return null;
  return e164;
}
