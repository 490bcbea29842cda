// Text encodings that prompt-injection attacks hide behind and that leaks come out in: base64, hex, rot13,
// reversed text, leetspeak, homoglyphs and letters spaced apart. Encoders build attacks; `decodedViews` turns a
// text into every reading of it, so a detector (or the reference model) can look for a token in each.

export type Encoding = 'base64' | 'hex' | 'rot13' | 'reversed' | 'leet' | 'homoglyph' | 'spaced';
export const ENCODINGS: readonly Encoding[] = ['base64', 'hex', 'rot13', 'reversed', 'leet', 'homoglyph', 'spaced'];

export const toBase64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
export const toHex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
export const reverse = (text: string) => [...text].reverse().join('');

export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };
const UNLEET: Record<string, string> = { '4': 'a', '3': 'e', '1': 'i', '0': 'o', '5': 's', '7': 't', '@': 'a', $: 's' };
export const toLeet = (text: string) => text.replace(/[aeiost]/gi, (c) => LEET[c.toLowerCase()]!);
/** Leetspeak back to letters, only inside words that mix letters and digits (so "24 hours" stays as it is). */
export const fromLeet = (text: string) => text.replace(/[A-Za-z0-9@$]*[A-Za-z][A-Za-z0-9@$]*/g, (w) => (/[0-9@$]/.test(w) ? w.replace(/[0-9@$]/g, (c) => UNLEET[c] ?? c) : w));

// Cyrillic and Greek letters that look like Latin ones.
const HOMOGLYPHS: Record<string, string> = { a: 'а', c: 'с', e: 'е', i: 'і', o: 'о', p: 'р', x: 'х', y: 'у', A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', I: 'І', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'Υ' };
const LATIN_OF = new Map(Object.entries(HOMOGLYPHS).map(([latin, look]) => [look, latin]));
export const toHomoglyphs = (text: string) => text.replace(/[aceiopxyABCEHIKMOPTXY]/g, (c) => HOMOGLYPHS[c] ?? c);
export const fromHomoglyphs = (text: string) => [...text].map((c) => LATIN_OF.get(c) ?? c).join('');

export const spaced = (text: string) => [...text].join(' ');

export function encode(text: string, encoding: Encoding): string {
  switch (encoding) {
    case 'base64':
      return toBase64(text);
    case 'hex':
      return toHex(text);
    case 'rot13':
      return rot13(text);
    case 'reversed':
      return reverse(text);
    case 'leet':
      return toLeet(text);
    case 'homoglyph':
      return toHomoglyphs(text);
    case 'spaced':
      return spaced(text);
  }
}

/** Printable text, or null when bytes do not decode to mostly readable UTF-8 (random base64-looking words). */
function readable(buf: Buffer): string | null {
  const text = buf.toString('utf8');
  if (!text) return null;
  const printable = [...text].filter((c) => c === '\n' || c === '\t' || (c >= ' ' && c !== '\uFFFD')).length;
  return printable / [...text].length >= 0.9 ? text : null;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;
const HEX_RUN = /(?:[0-9a-fA-F]{2}[\s:]?){6,}/g;

function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  const joined = text.replace(/\s+/g, '');
  const runs = new Set([...(text.match(BASE64_RUN) ?? []), ...(joined.match(BASE64_RUN) ?? [])]);
  for (const run of runs) {
    const normal = run.replace(/-/g, '+').replace(/_/g, '/');
    const decoded = readable(Buffer.from(normal, 'base64'));
    if (decoded && decoded !== run) out.push(decoded);
  }
  return out;
}

function decodeHexRuns(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(HEX_RUN) ?? []) {
    const digits = run.replace(/[\s:]/g, '');
    if (digits.length % 2) continue;
    const decoded = readable(Buffer.from(digits, 'hex'));
    if (decoded) out.push(decoded);
  }
  return out;
}

export interface View {
  /** How the text was read: `plain` or the encoding undone. */
  form: Exclude<Encoding, 'spaced'> | 'plain';
  text: string;
}

/** Every reading of a text: as it is, and with each encoding undone (base64 and hex runs decoded one by one). */
export function decodedViews(text: string): View[] {
  const views: View[] = [{ form: 'plain', text }];
  for (const decoded of decodeBase64Runs(text)) views.push({ form: 'base64', text: decoded });
  for (const decoded of decodeHexRuns(text)) views.push({ form: 'hex', text: decoded });
  views.push({ form: 'rot13', text: rot13(text) });
  views.push({ form: 'reversed', text: reverse(text) });
  const folded = fromHomoglyphs(text);
  if (folded !== text) views.push({ form: 'homoglyph', text: folded });
  const unleet = fromLeet(text);
  if (unleet !== text) views.push({ form: 'leet', text: unleet });
  return views;
}

const compact = (text: string) => text.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

/**
 * Where a token (a canary or a nonce) shows in a text: as it is, or in any decoded reading of it, or spelled out
 * with separators between its characters ("C-N-R-Y …"). Null when it is nowhere. Case is ignored.
 */
export function findToken(text: string, token: string): { form: View['form'] | 'spaced' } | null {
  const upper = token.toUpperCase();
  const tight = compact(token);
  const views = decodedViews(text);
  for (const v of views) if (v.text.toUpperCase().includes(upper)) return { form: v.form };
  for (const v of views) if (tight.length >= 6 && compact(v.text).includes(tight)) return { form: v.form === 'plain' ? 'spaced' : v.form };
  return null;
}
