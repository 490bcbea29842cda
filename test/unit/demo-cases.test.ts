// The demo's eval dataset: big enough for the gate's statistics, every case a question the reference model
// server recognises (checked with its own matcher), JSON cases that it answers as JSON, and model settings
// that separate the demo's models on these cases.
import { beforeAll, describe, expect, it } from 'vitest';
import { demoCases, demoEvalContent, JSON_INSTRUCTIONS } from '@/server/evals/demo-cases';
import { parseDatasetFile } from '@/server/evals/dataset-files';
import { checkSuite } from '@/server/evals/suite-definition';
import { asksForJson, detectInjection } from '@/server/reference-model/answers';
import { ReferenceModels, type CompletionPlan } from '@/server/reference-model/behaviour';
import { loadReferenceModelConfig, parseReferenceModelConfig } from '@/server/reference-model/config';
import { matchQuestion, QUESTIONS } from '@/server/reference-model/questions';
import { loadTokenizer, type Tokenizer } from '@/server/reference-model/tokens';

const cases = demoCases();
const textOf = (c: (typeof cases)[number]) => String(c.input.variables?.question);
const SYSTEM = 'You are a support agent for Acme Cloud. Answer briefly and accurately.';

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer('o200k_base');
});

describe('the demo dataset', () => {
  it('has at least 200 cases, distinct in id and wording, and the same ones every time', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.externalId)).size).toBe(cases.length);
    expect(new Set(cases.map(textOf)).size).toBe(cases.length);
    expect(demoCases()).toEqual(cases);
  });

  it('asks every question of the reference set, each case recognised as its own question by the server’s matcher', () => {
    for (const c of cases) {
      const question = QUESTIONS.find((q) => q.id === c.metadata.questionId);
      expect(question, c.externalId).toBeDefined();
      expect(matchQuestion(textOf(c))?.id, `${c.externalId}: ${textOf(c)}`).toBe(question!.id);
      expect(c.expected, c.externalId).toBe(question!.fact);
      expect(detectInjection(textOf(c)), c.externalId).toBeUndefined();
    }
    expect(new Set(cases.map((c) => c.metadata.questionId))).toEqual(new Set(QUESTIONS.map((q) => q.id)));
  });

  it('has JSON cases, tagged json, that ask for JSON in words; the others do not', () => {
    const json = cases.filter((c) => c.tags.includes('json'));
    expect(json.length).toBeGreaterThanOrEqual(20);
    for (const c of cases) expect(asksForJson(textOf(c)), c.externalId).toBe(c.tags.includes('json'));
    for (const instruction of JSON_INSTRUCTIONS) expect(json.some((c) => textOf(c).endsWith(instruction))).toBe(true);
  });

  it('gets JSON from the reference model for JSON cases and plain text for the others', () => {
    const model = new ReferenceModels(parseReferenceModelConfig({ models: { m: { quality: 1, jsonCompliance: 1 } } }), tokenizer, 3).get('m')!;
    for (const c of cases.filter((_, i) => i % 5 === 0 || _.tags.includes('json'))) {
      const plan = model.plan({ model: 'm', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: textOf(c) }] }) as CompletionPlan;
      expect(plan.content, c.externalId).toContain(c.expected);
      if (c.tags.includes('json')) expect((JSON.parse(plan.content) as { answer: string }).answer).toContain(c.expected);
      else expect(() => JSON.parse(plan.content)).toThrow();
    }
  });

  it('separates the shipped models: ref-small-v2 above ref-small, ref-degraded far below, on fact and JSON validity', () => {
    const models = new ReferenceModels(loadReferenceModelConfig(), tokenizer, 11);
    const score = (name: string) => {
      const m = models.get(name)!;
      let facts = 0;
      let validJson = 0;
      for (const c of cases) {
        // An eval run retries failed calls; a request that failed is asked again here too.
        let plan = m.plan({ model: name, temperature: 0.2, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: textOf(c) }] });
        while (plan.kind === 'error') plan = m.plan({ model: name, temperature: 0.2, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: textOf(c) }] });
        if (plan.content.toLowerCase().includes(c.expected.toLowerCase())) facts++;
        if (c.tags.includes('json') && plan.json?.valid) validJson++;
      }
      const jsonCases = cases.filter((c) => c.tags.includes('json')).length;
      return { fact: facts / cases.length, json: validJson / jsonCases };
    };
    const small = score('ref-small');
    const v2 = score('ref-small-v2');
    const degraded = score('ref-degraded');
    expect(v2.fact).toBeGreaterThan(small.fact);
    expect(small.fact - degraded.fact).toBeGreaterThan(0.15);
    expect(v2.json).toBeGreaterThanOrEqual(small.json);
    expect(small.json - degraded.json).toBeGreaterThan(0.1);
  });

  it('ships as dataset files that parse back to the same cases, and suites that validate', () => {
    const content = demoEvalContent();
    const parsed = content.datasets.flatMap((d) => {
      const r = parseDatasetFile(d.file.name, d.file.content);
      if (!r.ok) throw new Error(r.errors.join('\n'));
      expect(r.cases).toHaveLength(d.count);
      return r.cases;
    });
    expect(parsed.map((c) => c.externalId).sort()).toEqual(cases.map((c) => c.externalId).sort());
    expect(content.datasets.find((d) => d.name === 'support-questions')!.count).toBeGreaterThanOrEqual(200);
    for (const s of content.suites) {
      const check = checkSuite(s.yaml);
      expect(check.ok ? [] : check.problems, s.name).toEqual([]);
    }
  });
});
