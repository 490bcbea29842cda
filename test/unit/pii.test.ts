// The personal-data detectors: what counts as an email, a phone number, a card number (Luhn) and an IBAN (mod-97),
// and the numbers that look like them but are not (invalid checksums, dates, amounts, addresses, ids).
import { describe, expect, it } from 'vitest';
import { findPersonalData, ibanValid, luhnValid, maskPersonalData, maskPersonalDataIn, type PiiKind } from '@/server/lib/pii';

const found = (text: string, kinds?: PiiKind[]) => findPersonalData(text, kinds).map((m) => [m.kind, m.text]);

describe('checksums', () => {
  it('Luhn accepts real test card numbers and refuses one digit off', () => {
    for (const n of ['4111111111111111', '5500005555555559', '378282246310005', '6011111111111117']) expect(luhnValid(n)).toBe(true);
    for (const n of ['4111111111111112', '5500005555555558', '378282246310006', '12ab']) expect(luhnValid(n)).toBe(false);
  });

  it('IBAN needs its country length and mod-97 = 1', () => {
    for (const n of ['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300']) expect(ibanValid(n)).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false); // check digits do not hold
    expect(ibanValid('DE89 3704 0044 0532 0130')).toBe(false); // too short for Germany
    expect(ibanValid('ZZ89370400440532013000')).toBe(false); // no such country
  });
});

describe('findPersonalData', () => {
  it('finds each kind where it is, in order', () => {
    const text = 'Mail jane.doe@example.co.uk, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, call +44 20 7946 0958.';
    expect(found(text)).toEqual([
      ['email', 'jane.doe@example.co.uk'],
      ['card', '4111 1111 1111 1111'],
      ['iban', 'DE89 3704 0044 0532 0130 00'],
      ['phone', '+44 20 7946 0958'],
    ]);
    const [email] = findPersonalData(text);
    expect(text.slice(email!.start, email!.end)).toBe(email!.text);
  });

  it('refuses a card number that fails Luhn and filler digits', () => {
    expect(found('card 4111 1111 1111 1112')).toEqual([]);
    expect(found('0000 0000 0000 0000')).toEqual([]);
    expect(found('card 4111-1111-1111-1111 expires')).toEqual([['card', '4111-1111-1111-1111']]);
  });

  it('cuts an IBAN at its length and ignores an invalid one', () => {
    expect(found('to DE89370400440532013000 AB')).toEqual([['iban', 'DE89370400440532013000']]);
    expect(found('to DE89 3704 0044 0532 0130 01', ['iban'])).toEqual([]);
  });

  it('reads common phone formats but not dates, versions, amounts, addresses or order numbers', () => {
    expect(found('(555) 123-4567, 555-123-4567, 030 1234567, +4915123456789').map(([k]) => k)).toEqual(['phone', 'phone', 'phone', 'phone']);
    expect(found('order 12345 on 2024-05-01, v1.2.3, 192.168.1.20, $1,234.56, 12/27, tracking 1Z999AA10123456784')).toEqual([]);
  });

  it('takes digits split only by dots for a phone number only in a phone’s shape, not a build number', () => {
    expect(found('build 2024.10.15.1234, release 10.20.30.40.50')).toEqual([]);
    expect(found('call 555.123.4567 or 06.12.34.56.78')).toEqual([['phone', '555.123.4567'], ['phone', '06.12.34.56.78']]);
  });

  it('starts an email address after a leading dot, which is punctuation', () => {
    expect(found('see .jane@example.com')).toEqual([['email', 'jane@example.com']]);
  });

  it('looks only for the kinds asked for', () => {
    expect(found('jane@example.com 4111 1111 1111 1111', ['card'])).toEqual([['card', '4111 1111 1111 1111']]);
    // The digits of an IBAN or a card are not a phone number, even when only phone numbers are asked for.
    expect(found('IBAN GB82 WEST 1234 5698 7654 32, card 4111 1111 1111 1111', ['phone'])).toEqual([]);
  });

  it('masks what it shows', () => {
    const shown = findPersonalData('jane@example.com 4111 1111 1111 1111 GB82WEST12345698765432 +44 20 7946 0958').map(maskPersonalData);
    expect(shown).toEqual(['j***@example.com', '…1111', 'GB** …5432', '…0958']);
    expect(maskPersonalDataIn('Refund card 4111 1111 1111 1111 to jane@example.com, thanks')).toBe('Refund card …1111 to j***@example.com, thanks');
  });
});
