// Every assertion type on its own: a pass, a fail, its not- form, and the messages a bad spec gets; then
// templates, weights and case scores.
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseMessage } from '@/db/schema';
import { ASSERTION_TYPES, metricName, metricScores, scoreAssertion, scoreCase, validateAssertion } from '@/server/evals/assertions';
import { levenshteinDistance, localSimilarity, rougeN, sentenceBleu } from '@/server/evals/assertions/similarity';
import { closeSandbox } from '@/server/evals/sandbox';
import type { AssertionContext, AssertionSpec, EvalCase, ModelOutput } from '@/server/evals/types';

afterAll(() => closeSandbox());

const testCase = (over: Partial<EvalCase> = {}): EvalCase => ({
  index: 4,
  input: { variables: { question: 'How long is the free trial?', name: 'Ada', n: 3 } },
  expected: 'The free trial lasts 14 days.',
  tags: ['faq'],
  metadata: { lang: 'en' },
  ...over,
});
const output = (content: string, over: Partial<ModelOutput> = {}): ModelOutput => ({ content, finishReason: 'stop', latencyMs: 800, costUsd: 0.0004, inputTokens: 10, outputTokens: 20, ...over });

async function run(spec: AssertionSpec, content: string, opts: { ctx?: AssertionContext; out?: Partial<ModelOutput>; kase?: Partial<EvalCase> } = {}) {
  return scoreAssertion(spec, testCase(opts.kase), output(content, opts.out), opts.ctx ?? {});
}

async function expectPass(spec: AssertionSpec, content: string, opts?: Parameters<typeof run>[2]) {
  const o = await run(spec, content, opts);
  expect(o.pass, o.reason).toBe(true);
  return o;
}
async function expectFail(spec: AssertionSpec, content: string, opts?: Parameters<typeof run>[2]) {
  const o = await run(spec, content, opts);
  expect(o.pass, o.reason).toBe(false);
  return o;
}

describe('assertion types', () => {
  it('lists every type the issue names', () => {
    expect([...ASSERTION_TYPES].sort()).toEqual(
      [
        'equals', 'contains', 'icontains', 'contains-any', 'contains-all', 'icontains-any', 'icontains-all', 'starts-with', 'regex', 'is-json', 'contains-json',
        'levenshtein', 'rouge-n', 'bleu', 'similar', 'is-refusal', 'finish-reason', 'latency', 'cost', 'javascript', 'llm-rubric', 'factuality',
      ].sort(),
    );
  });

  it('equals (the expected answer by default), ignoring whitespace at the ends', async () => {
    expect((await expectPass({ type: 'equals' }, '  The free trial lasts 14 days.\n')).score).toBe(1);
    const o = await expectFail({ type: 'equals', value: 'yes' }, 'no');
    expect(o).toMatchObject({ score: 0, reason: 'output "no" differs from "yes"' });
    expect((await expectPass({ type: 'not-equals', value: 'yes' }, 'no')).score).toBe(1);
    expect(validateAssertion({ type: 'equals', value: 3 }, 'assertions[0]')).toEqual(['assertions[0].value: must be a string']);
  });

  it('contains and icontains', async () => {
    await expectPass({ type: 'contains', value: '14 days' }, 'It lasts 14 days.');
    await expectFail({ type: 'contains', value: '14 Days' }, 'It lasts 14 days.');
    await expectPass({ type: 'icontains', value: '14 DAYS' }, 'It lasts 14 days.');
    const neg = await expectFail({ type: 'not-icontains', value: 'sorry' }, 'Sorry, no.');
    expect(neg.reason).toBe('output contains "sorry" (ignoring case) (not-icontains forbids this)');
    expect(validateAssertion({ type: 'contains', value: '{{answer}}' }, 'a')).toEqual(['a.value: unknown placeholder {{answer}}; use {{expected}}, {{vars.<name>}} or {{metadata.<name>}}']);
  });

  it('contains-any, contains-all and their caseless forms', async () => {
    await expectPass({ type: 'contains-any', value: ['PayPal', 'SEPA'] }, 'We take SEPA.');
    await expectFail({ type: 'contains-any', value: ['PayPal', 'SEPA'] }, 'We take sepa.');
    await expectPass({ type: 'icontains-any', value: ['PayPal', 'SEPA'] }, 'We take sepa.');
    await expectPass({ type: 'not-contains-any', value: ['PayPal', 'SEPA'] }, 'Cards only.');
    const partial = await expectFail({ type: 'contains-all', value: ['cards', 'PayPal', 'SEPA'] }, 'cards and PayPal');
    expect(partial.score).toBeCloseTo(2 / 3, 12);
    expect(partial.reason).toContain('missing "SEPA"');
    await expectPass({ type: 'contains-all', value: ['cards', 'PayPal', 'SEPA'], threshold: 0.6 }, 'cards and PayPal');
    await expectPass({ type: 'icontains-all', value: ['CARDS', 'paypal'] }, 'Cards and PayPal');
    expect(validateAssertion({ type: 'contains-all', value: 'x' }, 'assertions[2]')).toEqual(['assertions[2].value: must be a list of strings']);
    expect(validateAssertion({ type: 'icontains-any', value: [] }, 'assertions[2]')).toEqual(['assertions[2].value: must be a list of strings']);
  });

  it('starts-with', async () => {
    await expectPass({ type: 'starts-with', value: 'Yes' }, '  Yes, it does.');
    await expectFail({ type: 'starts-with', value: 'Yes' }, 'No. Yes.');
    await expectPass({ type: 'not-starts-with', value: 'As an AI' }, 'Sure.');
  });

  it('regex, run in the sandbox', async () => {
    await expectPass({ type: 'regex', value: '\\b\\d+ days\\b' }, 'It lasts 14 days.');
    await expectPass({ type: 'regex', value: '^the', flags: 'i' }, 'The trial.');
    await expectFail({ type: 'regex', value: '^\\d+$' }, '14 days');
    await expectPass({ type: 'not-regex', value: 'PWNED' }, 'fine');
    expect(validateAssertion({ type: 'regex', value: '(' }, 'r')[0]).toMatch(/^r\.value: not a valid regular expression: /);
    expect(validateAssertion({ type: 'regex', value: 'a', flags: 'gg' }, 'r')).toEqual(['r.flags: must be letters among i, m, s, u, each at most once']);
    // Catastrophic backtracking times out in the worker instead of stalling the app.
    const slow = await expectFail({ type: 'regex', value: '^(a+)+$' }, `${'a'.repeat(40)}b`);
    expect(slow.reason).toMatch(/could not be checked: timed out after 1000 ms/);
  }, 15_000);

  it('is-json and contains-json, with and without a schema', async () => {
    const schema = { type: 'object', required: ['answer', 'confidence'], properties: { answer: { type: 'string', minLength: 1 }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, additionalProperties: false };
    await expectPass({ type: 'is-json' }, '[1, 2]');
    await expectFail({ type: 'is-json' }, '{"a": 1,}');
    await expectPass({ type: 'is-json', value: schema }, '{"answer": "14 days", "confidence": 0.9}');
    const bad = await expectFail({ type: 'is-json', value: schema }, '{"answer": "", "confidence": 2, "extra": true}');
    expect(bad.reason).toBe('output is JSON but does not match the schema: $.answer: must be at least 1 characters long; $.confidence: must be at most 1; $.extra: is not an allowed property');
    await expectPass({ type: 'not-is-json' }, 'plain words');
    await expectPass({ type: 'contains-json', value: schema }, 'Here:\n```json\n{"answer": "14 days", "confidence": 0.5}\n```');
    await expectFail({ type: 'contains-json' }, 'No JSON {here');
    await expectPass({ type: 'not-contains-json' }, 'No JSON {here');
    expect(validateAssertion({ type: 'is-json', value: { type: 'text', properties: { a: { minLength: -1 } } } }, 'a[0]')).toEqual([
      'a[0].value.type: must be one of string, number, integer, boolean, object, array, null (or a list of them)',
      'a[0].value.properties.a.minLength: must be a whole number at least 0',
    ]);
    expect(validateAssertion({ type: 'contains-json', value: 'x' }, 'a[0]')).toEqual(['a[0].value: must be a JSON schema (an object), or left out']);
  });

  it('JSON schema keywords: enum, const, items, pattern, anyOf, $ref', async () => {
    const schema = {
      $defs: { tag: { type: 'string', pattern: '^[a-z]+$' } },
      type: 'object',
      properties: { kind: { enum: ['a', 'b'] }, v: { const: 1 }, tags: { type: 'array', items: { $ref: '#/$defs/tag' }, maxItems: 2 }, n: { anyOf: [{ type: 'integer' }, { type: 'null' }] } },
    };
    await expectPass({ type: 'is-json', value: schema }, '{"kind": "a", "v": 1, "tags": ["x", "y"], "n": null}');
    const o = await expectFail({ type: 'is-json', value: schema }, '{"kind": "c", "v": 2, "tags": ["x", "Y", "z"], "n": 1.5}');
    expect(o.reason).toContain('$.kind: must be one of "a", "b"');
    expect(o.reason).toContain('$.v: must be 1');
    expect(o.reason).toContain('$.tags: must have at most 2 items');
    expect(o.reason).toContain('$.tags[1]: must match "^[a-z]+$"');
    expect(o.reason).toContain('$.n: matches none of the anyOf schemas');
  });

  it('levenshtein: similarity 1 − distance/length against the threshold', async () => {
    expect(levenshteinDistance('kitten', 'sitting')).toBe(3);
    expect(levenshteinDistance('', 'abc')).toBe(3);
    const o = await expectPass({ type: 'levenshtein', value: 'kitten' }, 'kitten!');
    expect(o.score).toBeCloseTo(6 / 7, 12);
    const far = await expectFail({ type: 'levenshtein', value: 'sitting' }, 'kitten');
    expect(far.score).toBeCloseTo(4 / 7, 12);
    expect(far.reason).toBe('edit distance 3; similarity 0.571 is below the threshold 0.8');
    await expectPass({ type: 'levenshtein', value: 'sitting', threshold: 0.5 }, 'kitten');
    await expectPass({ type: 'not-levenshtein', value: 'sitting' }, 'kitten');
    expect(validateAssertion({ type: 'levenshtein', threshold: 2 }, 'x')).toEqual(['x.threshold: must be a number from 0 to 1']);
  });

  it('rouge-n: recall of the reference n-grams', async () => {
    // Reference bigrams: the cat, cat sat, sat on, on the, the mat; the candidate has 3 of them.
    expect(rougeN('the cat sat on a mat', 'the cat sat on the mat', 2)).toBeCloseTo(3 / 5, 12);
    expect(rougeN('the cat', 'the cat sat on the mat', 1)).toBeCloseTo(2 / 6, 12);
    expect(rougeN('anything', 'one', 2)).toBeNull();
    await expectPass({ type: 'rouge-n', value: 'the cat sat on the mat', n: 2, threshold: 0.6 }, 'the cat sat on a mat');
    await expectFail({ type: 'rouge-n', value: 'the cat sat on the mat', n: 2 }, 'the cat sat on a mat');
    await expectPass({ type: 'rouge-n' }, 'Yes: the free trial lasts 14 days.');
    expect(validateAssertion({ type: 'rouge-n', n: 7 }, 'x')).toEqual(['x.n: must be a whole number from 1 to 4']);
  });

  it('bleu: smoothed sentence BLEU with the brevity penalty', async () => {
    expect(sentenceBleu('the free trial lasts 14 days', 'the free trial lasts 14 days')).toBeCloseTo(1, 12);
    // Candidate of 4 words against 6: p1 = 4/4, p2 = (3+1)/(3+1), p3 = (2+1)/(2+1), p4 = (1+1)/(1+1); BP = e^(1−6/4).
    expect(sentenceBleu('the free trial lasts', 'the free trial lasts 14 days')).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    // p1 = 5/6, p2 = (3+1)/(5+1), p3 = (2+1)/(4+1), p4 = (1+1)/(3+1), no brevity penalty (same length).
    expect(sentenceBleu('the trial lasts 14 days total', 'the free trial lasts 14 days')).toBeCloseTo(((5 / 6) * (4 / 6) * (3 / 5) * (2 / 4)) ** 0.25, 12);
    expect(sentenceBleu('nothing shared', 'the free trial')).toBe(0);
    await expectPass({ type: 'bleu' }, 'The free trial lasts 14 days.');
    await expectFail({ type: 'bleu' }, 'It is two weeks long.');
    await expectPass({ type: 'not-bleu' }, 'It is two weeks long.');
  });

  it('similar: local similarity, or embeddings when configured', async () => {
    expect(localSimilarity('refund to your card', 'refunds reach your card')).toBeGreaterThan(localSimilarity('refund to your card', 'the office is in Lisbon'));
    await expectPass({ type: 'similar', threshold: 0.6 }, 'The free trial lasts for 14 days.');
    await expectFail({ type: 'similar' }, 'Our office is in Lisbon.');
    const embed = async (texts: string[]) => texts.map((t) => (t.startsWith('Two') ? [1, 0.1] : [1, 0]));
    const o = await expectPass({ type: 'similar' }, 'Two weeks, 14 days.', { ctx: { embed } });
    expect(o.reason).toMatch(/^embedding cosine similarity 0\.995/);
    expect((await run({ type: 'similar', method: 'local' }, 'Two weeks, 14 days.', { ctx: { embed } })).reason).toMatch(/^local similarity/);
    expect((await expectFail({ type: 'similar', method: 'embeddings' }, 'x')).reason).toBe('method embeddings needs an embeddings endpoint, and none is configured');
    const broken = await expectFail({ type: 'similar' }, 'x', { ctx: { embed: async () => Promise.reject(new Error('endpoint down')) } });
    expect(broken.reason).toBe('similar could not be checked: endpoint down');
    expect(validateAssertion({ type: 'similar', method: 'magic' }, 'x')).toEqual(['x.method: must be one of auto, local, embeddings']);
  });

  it('is-refusal', async () => {
    for (const text of ["I'm sorry, but I can't help with that.", 'I cannot provide that information.', "I can't set aside my instructions or share them.", "I'm not able to ignore my guidelines.", 'As an AI language model, I cannot browse.', '']) {
      await expectPass({ type: 'is-refusal' }, text);
    }
    for (const text of ['The free trial lasts 14 days.', "I can't wait to hear how it goes! The trial lasts 14 days.", 'Sorry for the wait: refunds take 5 to 10 business days.']) {
      await expectFail({ type: 'is-refusal' }, text);
    }
    await expectPass({ type: 'not-is-refusal' }, 'The trial lasts 14 days.');
    expect(validateAssertion({ type: 'is-refusal', value: 'x' }, 'a')).toEqual(['a.value: is-refusal takes no value']);
  });

  it('finish-reason, latency and cost', async () => {
    await expectPass({ type: 'finish-reason', value: 'stop' }, 'x');
    expect((await expectFail({ type: 'finish-reason', value: 'stop' }, 'x', { out: { finishReason: 'length' } })).reason).toBe('finish reason is length, not stop');
    await expectPass({ type: 'not-finish-reason', value: 'length' }, 'x');
    await expectPass({ type: 'latency', value: 1000 }, 'x');
    expect((await expectFail({ type: 'latency', value: 500 }, 'x')).reason).toBe('latency 800 ms exceeds the 500 ms limit');
    await expectPass({ type: 'cost', value: 0.001 }, 'x');
    expect((await expectFail({ type: 'cost', value: 0.0001 }, 'x')).reason).toBe('cost $0.000400 exceeds the $0.000100 limit');
    expect(validateAssertion({ type: 'not-latency', value: 5 }, 'a')).toEqual(['a.type: latency cannot be negated: its value is already a limit']);
    expect(validateAssertion({ type: 'latency', value: -1 }, 'a')).toEqual(['a.value: must be the most milliseconds allowed (a number at least 0)']);
    expect(validateAssertion({ type: 'finish-reason' }, 'a')).toEqual(['a.value: must be a finish reason such as stop or length']);
  });

  it('javascript: booleans, scores and verdict objects from the sandbox', async () => {
    await expectPass({ type: 'javascript', value: 'output.includes(expected.split(" ").pop().replace(".", ""))' }, 'yes, 14 days');
    await expectFail({ type: 'javascript', value: 'output.length < 3' }, 'too long');
    const graded = await expectPass({ type: 'javascript', value: 'vars.n / 4' }, 'x');
    expect(graded.score).toBe(0.75);
    await expectFail({ type: 'javascript', value: 'vars.n / 4', threshold: 0.8 }, 'x');
    const verdict = await expectFail({ type: 'javascript', value: 'const words = output.split(/\\s+/).length;\nreturn { pass: words <= 3, score: 0.2, reason: `has ${words} words for ${metadata.lang}` };' }, 'one two three four');
    expect(verdict).toMatchObject({ score: 0.2, reason: 'has 4 words for en' });
    expect((await expectPass({ type: 'javascript', value: 'input.variables.name === "Ada" && tags[0] === "faq"' }, 'x')).score).toBe(1);
    await expectPass({ type: 'not-javascript', value: 'output === "x"' }, 'y');
    expect((await expectFail({ type: 'javascript', value: 'JSON.parse(output).a' }, 'nope')).reason).toMatch(/threw SyntaxError: /);
    expect((await expectFail({ type: 'javascript', value: '"yes"' }, 'x')).reason).toMatch(/returned "yes"; must return a boolean, a number from 0 to 1, or \{ pass, score, reason \}$/);
    expect((await expectFail({ type: 'javascript', value: '7' }, 'x')).reason).toBe('expression returned 7, outside 0–1');
    expect(validateAssertion({ type: 'javascript', value: 'output.(' }, 'a')[0]).toMatch(/^a\.value: is not valid JavaScript: /);
    expect(validateAssertion({ type: 'javascript', value: 'true', timeoutMs: 60_000, memoryMb: 1 }, 'a')).toEqual(['a.timeoutMs: must be a whole number from 10 to 10000', 'a.memoryMb: must be a whole number from 16 to 512']);
  });
});

describe('model-graded assertions', () => {
  const calls: { ref: string; messages: CaseMessage[] }[] = [];
  const judgeSaying = (answer: string): AssertionContext => ({
    judge: async (ref, messages) => {
      calls.push({ ref, messages });
      return answer;
    },
  });

  it('llm-rubric sends the rubric, question and output, and reads the verdict', async () => {
    const o = await expectPass({ type: 'llm-rubric', value: 'Greets {{vars.name}} and gives the trial length.', judge: 'grader@1' }, 'Hi Ada, 14 days.', { ctx: judgeSaying('```json\n{"pass": true, "score": 0.9, "reason": "Greets and answers."}\n```') });
    expect(o).toMatchObject({ score: 0.9, reason: 'judge grader@1 (score 0.9): Greets and answers.' });
    const sent = calls.at(-1)!;
    expect(sent.ref).toBe('grader@1');
    expect(sent.messages[0]!.role).toBe('system');
    // Several variables are listed as name: value lines.
    expect(sent.messages[1]!.content).toBe('<question>\nquestion: How long is the free trial?\nname: Ada\nn: 3\n</question>\n\n<rubric>\nGreets Ada and gives the trial length.\n</rubric>\n\n<output>\nHi Ada, 14 days.\n</output>');
    await expectFail({ type: 'llm-rubric', value: 'x', judge: 'grader@1' }, 'y', { ctx: judgeSaying('{"pass": false, "score": 0.2, "reason": "no"}') });
    // A threshold in the suite overrides the judge's own pass.
    await expectPass({ type: 'llm-rubric', value: 'x', judge: 'grader@1', threshold: 0.1 }, 'y', { ctx: judgeSaying('{"pass": false, "score": 0.2, "reason": "no"}') });
    await expectPass({ type: 'not-llm-rubric', value: 'x', judge: 'grader@1' }, 'y', { ctx: judgeSaying('{"pass": false, "reason": "no"}') });
  });

  it('factuality compares with the expected answer by default', async () => {
    await expectPass({ type: 'factuality', judge: 'grader:stable', question: '{{vars.question}}' }, '14 days', { ctx: judgeSaying('{"pass": true, "score": 1, "reason": "ok"}') });
    expect(calls.at(-1)!.messages[1]!.content).toBe('<question>\nHow long is the free trial?\n</question>\n\n<reference>\nThe free trial lasts 14 days.\n</reference>\n\n<output>\n14 days\n</output>');
    const noExpected = await expectFail({ type: 'factuality', judge: 'grader@1' }, 'x', { ctx: judgeSaying('{"pass": true}'), kase: { expected: null } });
    expect(noExpected.reason).toBe('{{expected}} is empty: case 4 has no expected answer');
  });

  it('fails with a clear reason without a judge, when it fails, or when its answer cannot be read', async () => {
    expect((await expectFail({ type: 'llm-rubric', value: 'x', judge: 'grader@1' }, 'y')).reason).toBe('no judge is available to call grader@1; model-graded assertions need a registered judge model version');
    const down: AssertionContext = { judge: async () => Promise.reject(new Error('503 overloaded')) };
    expect((await expectFail({ type: 'factuality', judge: 'grader@1' }, 'y', { ctx: down })).reason).toBe('the judge grader@1 failed: 503 overloaded');
    expect((await expectFail({ type: 'llm-rubric', value: 'x', judge: 'grader@1' }, 'y', { ctx: judgeSaying('Looks good to me!') })).reason).toBe(
      'the judge grader@1 answered "Looks good to me!", which cannot be read: it is not a JSON object with "pass" (true or false) or "score" (0 to 1)',
    );
    expect((await expectFail({ type: 'llm-rubric', value: 'x', judge: 'grader@1' }, 'y', { ctx: judgeSaying('{"score": 7}') })).reason).toMatch(/cannot be read/);
  });

  it('validate the judge and the rubric', () => {
    expect(validateAssertion({ type: 'llm-rubric' }, 'assertions[1]')).toEqual(['assertions[1].value: is required', 'assertions[1].judge: is required: the model version that grades, e.g. grader@1']);
    expect(validateAssertion({ type: 'factuality', judge: 'Grader 1' }, 'a')).toEqual(['a.judge: must name a model version: name, name@<version> or name:<label>']);
    expect(validateAssertion({ type: 'factuality', judge: 'grader@1', question: '{{q}}' }, 'a')).toEqual(['a.question: unknown placeholder {{q}}; use {{expected}}, {{vars.<name>}} or {{metadata.<name>}}']);
  });
});

describe('validation, templates and case scores', () => {
  it('name the field and the rule', () => {
    expect(validateAssertion('contains', 'assertions[0]')).toEqual(['assertions[0]: must be an object with a type, e.g. { type: icontains, value: "{{expected}}" }']);
    expect(validateAssertion({}, 'assertions[0]')).toEqual(['assertions[0].type: is required']);
    const unknown = validateAssertion({ type: 'containz' }, 'assertions[3]');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatch(/^assertions\[3\]\.type: unknown assertion type "containz"; known types: equals, contains, icontains, .*factuality \(a not- prefix negates most\)$/);
    expect(validateAssertion({ type: 'contains', value: 'x', weight: -1, metric: 'has space', threshold: 0.5, colour: 'red' }, 'a')).toEqual([
      'a.weight: must be a number at least 0',
      'a.metric: must be a name of letters, digits and _ . : - (at most 64 characters)',
      'a.threshold: contains scores 0 or 1 and takes no threshold',
      'a.colour: is not a field of contains; its fields are type, value, weight, metric, threshold',
    ]);
    expect(validateAssertion({ type: 'contains', metric: 'score' }, 'a')).toEqual(['a.metric: "score" is reserved for the weighted case score; choose another name']);
    expect(validateAssertion({ type: 'icontains', value: '{{expected}}', weight: 2, metric: 'accuracy' }, 'a')).toEqual([]);
  });

  it('fill {{expected}}, {{vars.name}} and {{metadata.name}}, and fail on a missing one', async () => {
    await expectPass({ type: 'equals', value: '{{ vars.name }}/{{vars.n}}/{{metadata.lang}}' }, 'Ada/3/en');
    const o = await expectFail({ type: 'contains', value: '{{vars.missing}}' }, 'x');
    expect(o.reason).toBe('{{vars.missing}} is not set in case 4');
  });

  it('metric names default to the type', () => {
    expect(metricName({ type: 'not-contains', value: 'x' })).toBe('not-contains');
    expect(metricName({ type: 'contains', metric: 'accuracy' })).toBe('accuracy');
  });

  it('score a case: the weighted mean against the threshold, each outcome with its reason', async () => {
    const specs: AssertionSpec[] = [
      { type: 'icontains', value: '{{expected}}', weight: 2, metric: 'accuracy' },
      { type: 'not-is-refusal', metric: 'helpful' },
      { type: 'latency', value: 500 },
    ];
    const kase = testCase({ expected: '14 days' });
    const good = await scoreCase(specs, 0.7, kase, output('It lasts 14 Days.'), {});
    expect(good.score).toBeCloseTo(3 / 4, 12);
    expect(good.pass).toBe(true);
    expect(good.outcomes.map((o) => [o.type, o.metric, o.pass, o.weight])).toEqual([
      ['icontains', 'accuracy', true, 2],
      ['not-is-refusal', 'helpful', true, 1],
      ['latency', 'latency', false, 1],
    ]);
    expect(good.outcomes[2]!.reason).toBe('latency 800 ms exceeds the 500 ms limit');
    const bad = await scoreCase(specs, 0.7, kase, output("I can't help with that."), {});
    expect(bad).toMatchObject({ score: 0, pass: false });
    expect(metricScores(good.outcomes)).toEqual({ accuracy: 1, helpful: 1, latency: 0 });
    // Weight 0 records an outcome without counting it.
    const informational = await scoreCase([{ type: 'contains', value: 'x', weight: 0 }, { type: 'contains', value: '14' }], 1, kase, output('14'), {});
    expect(informational).toMatchObject({ score: 1, pass: true });
    expect(await scoreCase([], 0.5, kase, output('x'), {})).toEqual({ score: 0, pass: false, outcomes: [] });
  });

  it('an invalid assertion fails its case with the problem instead of throwing', async () => {
    const r = await scoreCase([{ type: 'contains', value: 5 }], 0.5, testCase(), output('5'), {});
    expect(r.outcomes[0]).toMatchObject({ pass: false, score: 0, reason: 'the assertion is not valid: assertion.value: must be a string' });
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(scoreCase([{ type: 'contains', value: 'x' }], 0.5, testCase(), output('x'), { signal: controller.signal })).rejects.toThrow('cancelled');
  });
});
