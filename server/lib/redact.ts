// Samples of inputs and outputs are opt-in, truncated, and stripped of emails, phone and card numbers.
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD = /\b(?:\d[ -]?){13,19}\b/g;
const PHONE = /(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]?\d{3,4}\b/g;

export const SAMPLE_MAX_CHARS = 2000;
/** Samples kept while online evals are on are cut here instead: assertions (JSON, length, rubrics) need whole answers. */
export const ONLINE_EVAL_SAMPLE_MAX_CHARS = 16_000;

export function redact(text: string): string {
  return text.replace(EMAIL, '[email]').replace(CARD, '[card]').replace(PHONE, '[phone]');
}

export function sampleText(text: string, maxChars = SAMPLE_MAX_CHARS): string {
  // Cut on code points (never half a surrogate pair) and drop NUL, which PostgreSQL text cannot hold.
  const points = Array.from(text.replace(/\u0000/g, ''));
  const cut = points.length > maxChars ? `${points.slice(0, maxChars).join('')}…` : points.join('');
  return redact(cut);
}
