// Detectors of personal data in text: email addresses, phone numbers, payment card numbers (Luhn-checked) and
// IBANs (length per country and mod-97 checked). Pure and dependency-free; the one detector of these four kinds,
// used by the data-quality gate and (with API-key shapes of its own on top) the safety gate's leak check.

export const PII_KINDS = ['email', 'phone', 'card', 'iban'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiMatch {
  kind: PiiKind;
  /** The matched text as it appears, and where (UTF-16 offsets, end exclusive). */
  text: string;
  start: number;
  end: number;
}

// The local part starts with a letter, digit or `_%+-`: a dot before it is punctuation (`see .jane@x.com`, an
// ellipsis), never part of the address (RFC 5321 forbids a leading dot), so the mask starts at the real address.
const EMAIL = /[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/g;
// 13 to 19 digits, optionally grouped by single spaces or dashes, not part of a longer number.
const CARD = /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d]|[.,]\d)/g;
// A country code, two check digits and up to 30 letters or digits, optionally in groups of four.
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b/g;
// Phone numbers: `+` and a country code, or digit groups split by spaces, dots, dashes or a bracketed area code.
const PHONE = /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{2,5}\)[ .-]?\d{2,4}(?:[ .-]?\d{2,4}){1,3}|\d{2,5}(?:[ .-]\d{2,8}){1,4})(?![\w])/g;
const ISO_DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/;
const IP_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** IBAN length by country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** The Luhn checksum of a string of digits (card numbers): true when it holds. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** An IBAN (spaces allowed) of its country's length whose mod-97 check holds. */
export function ibanValid(text: string): boolean {
  const iban = text.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) || IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest === 1;
}

function card(text: string): boolean {
  const digits = digitsOf(text);
  // A run of one repeated digit passes Luhn for some lengths but is filler, not a card.
  return digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && luhnValid(digits);
}

function phone(text: string): boolean {
  const digits = digitsOf(text);
  if (digits.length < 7 || digits.length > 15) return false;
  if (ISO_DATE.test(text) || IP_ADDRESS.test(text)) return false;
  if (/^[+(]/.test(text)) return true;
  // Digits split only by dots are mostly version and build numbers (2024.10.15.1234, 10.20.30.40.50); they count
  // as a phone number only in a phone's shape: a national trunk prefix (06.12.34.56.78) or three groups
  // (555.123.4567).
  if (/^[\d.]+$/.test(text) && !text.startsWith('0') && !/^\d{2,4}\.\d{3,4}\.\d{3,4}$/.test(text)) return false;
  // Without a `+` or brackets, ask for enough digits that amounts and ids do not count, and either three groups
  // (555-123-4567) or a national trunk prefix (030 1234567).
  const groups = text.split(/[ .-]/).length;
  return digits.length >= 9 && (groups >= 3 || text.startsWith('0'));
}

/** An IBAN match may run on into the next group of letters or digits: cut it at its country's length. */
function ibanPrefix(text: string): string | null {
  const need = IBAN_LENGTHS[text.slice(0, 2)];
  if (!need) return null;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ' ') count++;
    if (count === need) {
      // The cut must fall between groups, not inside a run of letters and digits.
      if (i + 1 < text.length && text[i + 1] !== ' ') return null;
      return ibanValid(text.slice(0, i + 1)) ? text.slice(0, i + 1) : null;
    }
  }
  return null;
}

function collect(text: string, kind: PiiKind, pattern: RegExp, accept: (m: string) => string | null, out: PiiMatch[]) {
  for (const m of text.matchAll(pattern)) {
    const found = accept(m[0]);
    if (found === null) continue;
    const start = m.index;
    const end = start + found.length;
    // A match of a more specific kind already covers this text (an IBAN's digits are not a phone number).
    if (out.some((o) => start < o.end && end > o.start)) continue;
    out.push({ kind, text: found, start, end });
  }
}

const whole = (valid: (m: string) => boolean) => (m: string) => (valid(m) ? m : null);

/** Every piece of personal data of the given kinds in text, in order of position; overlapping matches count once. */
export function findPersonalData(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiMatch[] {
  const out: PiiMatch[] = [];
  // The most specific detectors first: their digits must not be read again as a phone number. Every kind is
  // looked for even when only some are asked for, so that asking for phones alone does not report the digits of an
  // IBAN or a card as one.
  collect(text, 'email', EMAIL, (m) => m, out);
  collect(text, 'iban', IBAN, ibanPrefix, out);
  collect(text, 'card', CARD, whole(card), out);
  collect(text, 'phone', PHONE, whole(phone), out);
  const want = new Set(kinds);
  return out.filter((m) => want.has(m.kind)).sort((a, b) => a.start - b.start);
}

/** A match shown without revealing it: the email's first letter and domain, the last four digits of a number. */
export function maskPersonalData(m: PiiMatch): string {
  if (m.kind === 'email') {
    const at = m.text.lastIndexOf('@');
    return `${m.text[0]}***${m.text.slice(at)}`;
  }
  if (m.kind === 'iban') {
    const compact = m.text.replace(/ /g, '');
    return `${compact.slice(0, 2)}** …${compact.slice(-4)}`;
  }
  return `…${digitsOf(m.text).slice(-4)}`;
}

/** The text with each piece of personal data replaced by its mask, for showing text that may hold some. */
export function maskPersonalDataIn(text: string, kinds: readonly PiiKind[] = PII_KINDS): string {
  let out = '';
  let at = 0;
  for (const m of findPersonalData(text, kinds)) {
    out += text.slice(at, m.start) + maskPersonalData(m);
    at = m.end;
  }
  return out + text.slice(at);
}

export const PII_LABELS: Record<PiiKind, string> = { email: 'email address', phone: 'phone number', card: 'card number', iban: 'IBAN' };
