// The row-level expectations of a data-quality suite, evaluated over every row of its sources at once: which rows
// each applies to and which of those break it, with the reason. Set-level ones (tag-share) are in summary.ts.
import type { Json } from '@/db/schema';
import { canonicalJson } from '@/server/lib/canonical';
import { findPersonalData, maskPersonalData, maskPersonalDataIn, PII_LABELS, type PiiKind } from '@/server/lib/pii';
import { nearMatches, normaliseText, textSet, type TextSet } from './near-duplicates';
import { excerpt, isBlank, textOf, valueAt, type Row } from './rows';
import { sourcesOf, type DataQualitySettings, type Expectation } from './settings';

/** What one row did against the suite: the expectations that applied to it and those it broke. */
export interface RowVerdict {
  checked: number[];
  failures: { check: number; reason: string }[];
}

export interface ExpectationDeps {
  /** Tests a pattern on many texts in the sandbox; throws with the reason when it cannot (a runaway pattern). */
  regex(pattern: string, flags: string, texts: string[]): Promise<boolean[]>;
  /** The rows of a training dataset version of the service; throws when there is no such version. */
  training(ref: { name: string; version: number }): Promise<Row[]>;
}

type RowExpectation = Exclude<Expectation, { type: 'tag-share' }>;

// Placeholders the gateway writes where it redacted personal data from a sample (server/lib/redact.ts).
const REDACTED: Partial<Record<PiiKind, RegExp>> = { email: /\[email\]/, phone: /\[phone\]/, card: /\[card\]/ };

// Values quoted in a reason are shown with any personal data in them masked.
const quote = (v: Json | undefined) => excerpt(maskPersonalDataIn(typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v)), 60);

function lengthOf(v: Json): { n: number; unit: string } {
  if (typeof v === 'string') return { n: Array.from(v).length, unit: 'characters' };
  if (Array.isArray(v)) return { n: v.length, unit: 'items' };
  return { n: Array.from(textOf(v)).length, unit: 'characters' };
}

/** Failing rows of one expectation over the rows it applies to (blank values only count for not-null). */
async function failuresOf(e: RowExpectation, rows: Row[], deps: ExpectationDeps): Promise<{ applicable: Row[]; failed: Map<number, string> }> {
  const failed = new Map<number, string>();
  if (e.type === 'not-null') {
    for (const r of rows) {
      const v = valueAt(r, e.field);
      if (isBlank(v)) failed.set(r.caseIndex, v === undefined || v === null ? `${e.field} is missing` : `${e.field} is empty`);
    }
    return { applicable: rows, failed };
  }
  const applicable = rows.filter((r) => !isBlank(valueAt(r, e.field)));
  switch (e.type) {
    case 'unique': {
      const first = new Map<string, Row>();
      for (const r of applicable) {
        const v = valueAt(r, e.field);
        const key = e.normalize ? normaliseText(textOf(v)) : canonicalJson(v);
        const seen = first.get(key);
        if (seen) failed.set(r.caseIndex, `${e.field} ${quote(v)} repeats row ${seen.label}`);
        else first.set(key, r);
      }
      break;
    }
    case 'length':
      for (const r of applicable) {
        const { n, unit } = lengthOf(valueAt(r, e.field)!);
        if (e.min !== undefined && n < e.min) failed.set(r.caseIndex, `${e.field} has ${n} ${unit}, fewer than the minimum ${e.min}`);
        else if (e.max !== undefined && n > e.max) failed.set(r.caseIndex, `${e.field} has ${n} ${unit}, more than the maximum ${e.max}`);
      }
      break;
    case 'regex': {
      const matches = await deps.regex(e.pattern, e.flags, applicable.map((r) => textOf(valueAt(r, e.field))));
      applicable.forEach((r, i) => {
        if (!matches[i]) failed.set(r.caseIndex, `${e.field} ${quote(valueAt(r, e.field))} does not match /${e.pattern}/${e.flags}`);
      });
      break;
    }
    case 'allowed-values': {
      const allowed = new Set(e.values.map((v) => canonicalJson(v)));
      const list = excerpt(e.values.map((v) => String(v)).join(', '), 80);
      for (const r of applicable) {
        const v = valueAt(r, e.field)!;
        if (typeof v === 'object' && !Array.isArray(v)) failed.set(r.caseIndex, `${e.field} is a mapping, not one of the allowed values (${list})`);
        else {
          const bad = (Array.isArray(v) ? v : [v]).filter((x) => !allowed.has(canonicalJson(x)));
          if (bad.length) failed.set(r.caseIndex, `${e.field} ${bad.length === 1 ? `value ${quote(bad[0])} is` : `values ${bad.map(quote).join(', ')} are`} not allowed (allowed: ${list})`);
        }
      }
      break;
    }
    case 'no-near-duplicates': {
      const sets = applicable.map((r) => textSet(textOf(valueAt(r, e.field))));
      for (const m of nearMatches(sets, null, e.threshold)) {
        const earlier = applicable[m.match]!;
        failed.set(applicable[m.index]!.caseIndex, m.exact ? `${e.field} is the same text as row ${earlier.label}` : `${e.field} is a near-duplicate of row ${earlier.label} (Jaccard ${m.similarity.toFixed(2)} ≥ ${e.threshold})`);
      }
      break;
    }
    case 'no-personal-data':
      for (const r of applicable) {
        const text = textOf(valueAt(r, e.field));
        const found = findPersonalData(text, e.kinds).map((m) => `${PII_LABELS[m.kind]} ${maskPersonalData(m)}`);
        // A sample's personal data was redacted by the gateway before it was kept: its placeholder shows it was there.
        if (r.source === 'samples') for (const k of e.kinds) if (REDACTED[k]?.test(text)) found.push(`${PII_LABELS[k]} (redacted by the gateway)`);
        if (found.length) failed.set(r.caseIndex, `${e.field === '*' ? 'the row' : e.field} holds ${found.length > 3 ? `${found.slice(0, 3).join(', ')} and ${found.length - 3} more` : found.join(', ')}`);
      }
      break;
    case 'no-overlap': {
      const ref = `${e.with.name}@${e.with.version}`;
      const trainingRows = (await deps.training(e.with)).filter((r) => !isBlank(valueAt(r, e.field)));
      const training: TextSet[] = trainingRows.map((r) => textSet(textOf(valueAt(r, e.field))));
      const sets = applicable.map((r) => textSet(textOf(valueAt(r, e.field))));
      for (const m of nearMatches(sets, training, e.threshold)) {
        const t = trainingRows[m.match]!;
        failed.set(applicable[m.index]!.caseIndex, m.exact ? `${e.field} is the same text as case ${t.label} of ${ref}` : `${e.field} is a near-duplicate of case ${t.label} of ${ref} (Jaccard ${m.similarity.toFixed(2)} ≥ ${e.threshold})`);
      }
      break;
    }
  }
  return { applicable, failed };
}

/** Every row-level expectation over the rows of its sources; per row, what applied and what it broke. */
export async function evaluateRows(settings: DataQualitySettings, rows: Row[], deps: ExpectationDeps): Promise<Map<number, RowVerdict>> {
  const verdicts = new Map<number, RowVerdict>(rows.map((r) => [r.caseIndex, { checked: [], failures: [] }]));
  for (const [check, e] of settings.expectations.entries()) {
    if (e.type === 'tag-share') continue;
    const sources = sourcesOf(e, settings);
    // Duplicates and overlap are looked for within each source: a sample repeating a dataset case is no defect.
    for (const source of sources) {
      const { applicable, failed } = await failuresOf(e, rows.filter((r) => r.source === source), deps);
      for (const r of applicable) {
        const v = verdicts.get(r.caseIndex)!;
        v.checked.push(check);
        const reason = failed.get(r.caseIndex);
        if (reason !== undefined) v.failures.push({ check, reason });
      }
    }
  }
  return verdicts;
}
