// Small parsers for values typed into forms, shared by the registry forms.

/** Lists (owners, branches) are typed separated by commas, spaces or new lines. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A number from a text box. Blank gives `blank`; anything else that is not a number is passed on as NaN so
 * the server names the field ("expected number") instead of the form silently dropping it.
 */
export function numberOr<B extends number | null | undefined>(text: FormDataEntryValue | string | null, blank: B): number | B {
  const s = String(text ?? '').trim();
  return s === '' ? blank : Number(s);
}
