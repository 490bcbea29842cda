// Data-quality expectations over rows, without a database: each rule names the rows that break it and why,
// `mostly` decides the check, near-duplicates are found the same way pair by pair and through LSH, and the
// `dataQuality:` block refuses what it cannot run.
import { describe, expect, it } from 'vitest';
import type { Json } from '@/db/schema';
import { evaluateRows, type ExpectationDeps } from '@/server/evals/data-quality/expectations';
import { bandRows, jaccard, nearMatches, textSet } from '@/server/evals/data-quality/near-duplicates';
import type { Row } from '@/server/evals/data-quality/rows';
import { checkNames, dataQualitySettings } from '@/server/evals/data-quality/settings';
import { dataQualitySummary, type RowDetail } from '@/server/evals/data-quality/summary';
import type { EvalCase } from '@/server/evals/types';

const caseRow = (i: number, id: string | null, question: string | null, extra: Partial<{ expected: string | null; tags: string[]; metadata: Record<string, Json> }> = {}): Row => ({
  caseIndex: i,
  source: 'dataset',
  label: id ?? `#${i + 1}`,
  value: { id, input: { variables: question === null ? {} : { question } }, expected: extra.expected ?? null, tags: extra.tags ?? [], metadata: extra.metadata ?? {} },
});
const asCase = (r: Row): EvalCase => ({ index: r.caseIndex, input: r.value.input as EvalCase['input'], expected: (r.value.expected as string | null) ?? null, tags: (r.value.tags as string[]) ?? [], metadata: {} });

const deps: ExpectationDeps = {
  regex: async (pattern, flags, texts) => texts.map((t) => new RegExp(pattern, flags).test(t)),
  training: async () => [],
};

async function run(block: unknown, rows: Row[], d: ExpectationDeps = deps) {
  const settings = dataQualitySettings.parse(block);
  const verdicts = await evaluateRows(settings, rows, d);
  const names = checkNames(settings.expectations);
  const details = new Map<number, RowDetail>(
    rows.map((r) => {
      const v = verdicts.get(r.caseIndex)!;
      return [r.caseIndex, { source: r.source, row: r.label, excerpt: '', checked: v.checked, failures: v.failures.map((f) => ({ check: f.check, name: names[f.check]!, rule: settings.expectations[f.check]!.type, reason: f.reason })) }];
    }),
  );
  const summary = dataQualitySummary({ settings, names, cases: rows.map(asCase), details });
  const failing = (name: string) => [...details.values()].filter((d) => d.failures.some((f) => f.name === name)).map((d) => d.row);
  const reason = (row: string, name: string) => [...details.values()].find((d) => d.row === row)?.failures.find((f) => f.name === name)?.reason;
  return { summary, details, failing, reason, check: (name: string) => summary.checks!.find((c) => c.name === name)! };
}

describe('row expectations', () => {
  const rows = [
    caseRow(0, 'q1', 'Where is my order?', { expected: 'tracking', tags: ['orders'], metadata: { lang: 'en' } }),
    caseRow(1, 'q2', null, { expected: 'refund', tags: ['billing'], metadata: { lang: 'de' } }),
    caseRow(2, 'q3', 'Where is my order?', { expected: '', tags: ['orders'], metadata: { lang: 'xx' } }),
    caseRow(3, 'q4', 'Please charge card 4111 1111 1111 1111 and mail jane@example.com', { expected: 'ok', tags: ['billing'] }),
    caseRow(4, 'q5', 'Hi', { expected: 'greeting', tags: ['orders', 'small-talk'], metadata: { lang: 'en' } }),
  ];

  it('names the rows that break each rule, with the reason', async () => {
    const r = await run(
      {
        expectations: [
          { type: 'not-null', field: 'input.variables.question' },
          { type: 'not-null', field: 'expected' },
          { type: 'unique', field: 'input.variables.question' },
          { type: 'length', field: 'input.variables.question', min: 5, max: 60 },
          { type: 'regex', field: 'expected', pattern: '^[a-z]+$' },
          { type: 'allowed-values', field: 'metadata.lang', values: ['en', 'de'] },
          { type: 'allowed-values', field: 'tags', values: ['orders', 'billing'] },
          { type: 'no-personal-data' },
        ],
      },
      rows,
    );
    expect(r.failing('not-null input.variables.question')).toEqual(['q2']);
    expect(r.reason('q2', 'not-null input.variables.question')).toBe('input.variables.question is missing');
    expect(r.failing('not-null expected')).toEqual(['q3']);
    expect(r.reason('q3', 'not-null expected')).toBe('expected is empty');
    expect(r.failing('unique input.variables.question')).toEqual(['q3']);
    expect(r.reason('q3', 'unique input.variables.question')).toBe('input.variables.question "Where is my order?" repeats row q1');
    expect(r.failing('length input.variables.question')).toEqual(['q4', 'q5']);
    expect(r.reason('q5', 'length input.variables.question')).toBe('input.variables.question has 2 characters, fewer than the minimum 5');
    // The blank question and the empty answer are not-null's business: other rules skip them.
    expect(r.check('length input.variables.question').applicable).toBe(4);
    expect(r.check('regex expected').applicable).toBe(4);
    expect(r.failing('regex expected')).toEqual([]);
    expect(r.failing('allowed-values metadata.lang')).toEqual(['q3']);
    expect(r.failing('allowed-values tags')).toEqual(['q5']);
    expect(r.reason('q5', 'allowed-values tags')).toBe('tags value "small-talk" is not allowed (allowed: orders, billing)');
    expect(r.failing('no-personal-data *')).toEqual(['q4']);
    expect(r.reason('q4', 'no-personal-data *')).toBe('the row holds card number …1111, email address j***@example.com');
    expect(r.summary.verdict.passed).toBe(false);
    expect(r.summary.candidate.passRate).toBeCloseTo(0.2, 9); // only q1 breaks nothing
    expect(r.summary.verdict.reasons[0]).toBe('not-null input.variables.question: 1 of 5 rows (20.0%) break it; none tolerated.');
  });

  it('mostly tolerates a fraction of failing rows', async () => {
    const many = Array.from({ length: 20 }, (_, i) => caseRow(i, `c${i}`, i < 2 ? null : `Question number ${i} about shipping`));
    const at = async (mostly: number) => (await run({ expectations: [{ type: 'not-null', field: 'input.variables.question', mostly }] }, many)).check('not-null input.variables.question');
    expect(await at(0.9)).toMatchObject({ applicable: 20, failed: 2, passed: true, threshold: expect.closeTo(0.1, 9), reason: '2 of 20 rows (10.0%) break it; mostly 0.9 tolerates 10.0%.' });
    expect(await at(0.95)).toMatchObject({ failed: 2, passed: false });
    expect((await run({ expectations: [{ type: 'not-null', field: 'input.variables.question', mostly: 0.9 }] }, many)).summary.verdict.passed).toBe(true);
  });

  it('finds near-duplicates and overlap with a training set', async () => {
    const own = [
      caseRow(0, 'a', 'How do I reset my password for the mobile app?'),
      caseRow(1, 'b', 'How do I reset my password for the mobile app ?!'),
      caseRow(2, 'c', 'how do i reset my password for the mobile apps'),
      caseRow(3, 'd', 'What are your opening hours on public holidays?'),
    ];
    const training = [caseRow(0, 't1', 'What are your opening hours on public holidays'), caseRow(1, 't2', 'Completely unrelated text about invoices')];
    const r = await run(
      { expectations: [{ type: 'no-near-duplicates', threshold: 0.8 }, { type: 'no-overlap', with: 'train-set@2', threshold: 0.8 }] },
      own,
      { ...deps, training: async (ref) => (ref.name === 'train-set' && ref.version === 2 ? training : []) },
    );
    expect(r.failing('no-near-duplicates input')).toEqual(['b', 'c']);
    expect(r.reason('b', 'no-near-duplicates input')).toBe('input is the same text as row a');
    expect(r.reason('c', 'no-near-duplicates input')).toMatch(/^input is a near-duplicate of row a \(Jaccard 0\.\d\d ≥ 0\.8\)$/);
    expect(r.failing('no-overlap input with train-set@2')).toEqual(['d']);
    expect(r.reason('d', 'no-overlap input with train-set@2')).toBe('input is the same text as case t1 of train-set@2');
    expect(r.check('no-overlap input with train-set@2')).toMatchObject({ applicable: 4, failed: 1, candidateRate: 0.25, passed: false });
  });

  it('checks the share of cases per tag', async () => {
    const r = await run({ expectations: [{ type: 'tag-share', tag: 'orders', max: 0.5 }, { type: 'tag-share', tag: 'billing', min: 0.2, max: 0.6 }] }, rows);
    expect(r.check('tag-share orders')).toMatchObject({ applicable: 5, failed: 3, candidateRate: 0.6, passed: false, reason: '3 of 5 cases (60.0%) are tagged "orders"; the suite asks for at most 50.0%: too many.' });
    expect(r.check('tag-share billing')).toMatchObject({ candidateRate: 0.4, passed: true });
  });

  it('reads samples as their own rows, counting redacted personal data', async () => {
    const sample = (i: number, input: string, output: string): Row => ({ caseIndex: i, source: 'samples', label: `req-${i}`, value: { id: `req-${i}`, input, output, environment: 'production', release: 1, at: null } });
    const r = await run(
      {
        sources: ['dataset', 'samples'],
        samples: { minRows: 2 },
        expectations: [{ type: 'no-personal-data', field: 'input' }, { type: 'length', field: 'output', max: 10, source: 'samples' }, { type: 'not-null', field: 'input.variables.question' }],
      },
      [rows[0]!, sample(1, 'my email is [email], call me', 'Sure thing, noted'), sample(2, 'IBAN GB82WEST12345698765432 please', 'ok')],
    );
    expect(r.failing('no-personal-data input')).toEqual(['req-1', 'req-2']);
    expect(r.reason('req-1', 'no-personal-data input')).toBe('input holds email address (redacted by the gateway)');
    expect(r.failing('length output')).toEqual(['req-1']);
    // A path into a dataset case's input applies to dataset rows only.
    expect(r.check('not-null input.variables.question').applicable).toBe(1);
    expect(r.check('samples kept')).toMatchObject({ applicable: 2, passed: true });
  });

  it('fails a run with too few samples', async () => {
    const r = await run({ sources: ['samples'], samples: { minRows: 5 }, expectations: [{ type: 'not-null', field: 'input' }] }, []);
    expect(r.summary.verdict.passed).toBe(false);
    expect(r.summary.verdict.reasons[0]).toMatch(/^samples kept: Only 0 samples kept in the last 7d; the suite asks for at least 5/);
  });
});

describe('near-duplicate search', () => {
  it('LSH finds the same pairs as comparing every pair', () => {
    // 400 texts: 100 topics, each written 4 times with small edits.
    const words = 'refund order shipping invoice account password delivery address payment card subscription cancel upgrade plan'.split(' ');
    const texts: string[] = [];
    for (let t = 0; t < 100; t++) {
      const base = Array.from({ length: 14 }, (_, k) => `${words[(t * 7 + k * 3) % words.length]}${(t * 31 + k) % 97}`).join(' ');
      texts.push(base, `${base}!`, base.replace(/\d+$/, '0'), `Please, ${base}`);
    }
    const sets = texts.map(textSet);
    const exact = nearMatches(sets, null, 0.8);
    const lsh = nearMatches(sets, null, 0.8, { forceLsh: true });
    expect(exact.length).toBeGreaterThanOrEqual(200);
    expect(lsh.map((m) => m.index)).toEqual(exact.map((m) => m.index));
    for (const m of lsh) expect(jaccard(sets[m.index]!.shingles, sets[m.match]!.shingles)).toBeGreaterThanOrEqual(0.8);
  });

  it('chooses LSH bands that find a pair at the threshold', () => {
    for (const t of [0.5, 0.8, 0.95]) {
      const r = bandRows(t);
      expect(1 - (1 - t ** r) ** Math.floor(128 / r)).toBeGreaterThanOrEqual(0.98);
    }
  });
});

describe('the dataQuality block', () => {
  const issues = (block: unknown) => {
    const r = dataQualitySettings.safeParse(block);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('defaults sources, samples and mostly', () => {
    const s = dataQualitySettings.parse({ expectations: [{ type: 'no-near-duplicates' }] });
    expect(s).toMatchObject({ sources: ['dataset'], samples: { window: '7d', limit: 1000, minRows: 1 }, expectations: [{ type: 'no-near-duplicates', field: 'input', threshold: 0.85, mostly: 1 }] });
  });

  it('names each problem at its path', () => {
    expect(issues({ expectations: [{ type: 'not-nul', field: 'expected' }] })).toEqual(['expectations.0.type: type must be one of not-null, unique, length, regex, allowed-values, no-near-duplicates, no-personal-data, tag-share, no-overlap']);
    expect(issues({ expectations: [{ type: 'regex', field: 'expected', pattern: '(' }] })[0]).toMatch(/^expectations\.0\.pattern: is not a valid regular expression/);
    expect(issues({ expectations: [{ type: 'length', field: 'expected', min: 10, max: 2 }] })).toEqual(['expectations.0.max: must be at least min']);
    expect(issues({ expectations: [{ type: 'not-null', field: 'answer' }] })[0]).toMatch(/^expectations\.0\.field: names no field of a row/);
    expect(issues({ expectations: [{ type: 'not-null', field: 'output' }] })).toEqual(['expectations.0.field: applies to no source of the suite: field output exists in samples rows, the suite reads dataset']);
    expect(issues({ expectations: [{ type: 'no-overlap', with: 'training' }] })[0]).toMatch(/^expectations\.0\.with: must name a dataset version of this service: name@version/);
    expect(issues({ expectations: [{ type: 'not-null', field: 'expected', mostly: 1.5 }] })).toEqual(['expectations.0.mostly: must be a fraction between 0 and 1']);
    expect(issues({ expectations: [{ type: 'tag-share', tag: 'x', min: 0.1, mostly: 0.9 }] })).toEqual(['expectations.0: Unrecognized key: "mostly"']);
    expect(issues({ sources: ['samples'], samples: { window: '1y' }, expectations: [{ type: 'not-null', field: 'input' }] })).toEqual(['samples.window: must be a duration: 30m, 24h or 7d']);
  });
});
