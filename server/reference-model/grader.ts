// The grader behaviour (`grader: true` in models.yaml, the shipped `ref-grader`): a deterministic stand-in for a
// judge model, so model-graded eval assertions run end to end without a real model. It reads the judge prompt
// format of server/evals/assertions/judge-prompts.ts (tagged sections in the last user message):
//
//   <question>…</question>   optional: what the graded output answers
//   <rubric>…</rubric>       llm-rubric           or   <reference>…</reference>   factuality
//   <output>…</output>       the output under evaluation, always last (up to the final </output>)
//
// and answers one JSON object {"pass": boolean, "score": 0–1, "reason": string}. What it checks:
//
// - factuality: the question (from <question>, else the reference, else the output) is looked up in the
//   built-in question set; the output passes when it states the fact the reference states and none of the
//   question's other facts (the wrong ones). A reference about anything else is compared by its content words:
//   at least 60% of them, and every number, must appear in the output.
// - llm-rubric, every check the rubric names (the score is the share passed; pass needs all):
//   quoted phrases, required unless the words before them negate ("must not mention 'X'", "avoid 'Y'");
//   correctness ("correct", "accurate", "factual", …): the question's correct fact and none of its wrong ones;
//   JSON ("valid JSON", "a JSON object"); refusal ("refuses", or "does not refuse"); and length ("at most 3
//   sentences", "under 50 words"). A rubric naming none of these passes any non-empty output.
import { matchQuestion, normalise, QUESTIONS, type Question } from './questions';

export interface JudgePrompt {
  kind: 'rubric' | 'factuality';
  question?: string;
  rubric?: string;
  reference?: string;
  output: string;
}

export interface Grade {
  pass: boolean;
  score: number;
  reason: string;
}

function section(text: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>\\n?([\\s\\S]*?)\\n?</${tag}>`).exec(text);
  return m ? m[1] : undefined;
}

/** The judge prompt in a user message, or undefined when the message is not one. */
export function readJudgePrompt(text: string): JudgePrompt | undefined {
  const open = text.indexOf('<output>');
  const close = text.lastIndexOf('</output>');
  if (open < 0 || close < open) return undefined;
  const output = text.slice(open + '<output>'.length, close).replace(/^\n/, '').replace(/\n$/, '');
  const head = text.slice(0, open);
  const question = section(head, 'question');
  const rubric = section(head, 'rubric');
  const reference = section(head, 'reference');
  if (rubric !== undefined) return { kind: 'rubric', question, rubric, output };
  if (reference !== undefined) return { kind: 'factuality', question, reference, output };
  return undefined;
}

/** A phrase present as whole words, ignoring case and punctuation ("5 GB" is not in "50 GB"). */
function has(text: string, phrase: string): boolean {
  const p = normalise(phrase);
  return p.trim() !== '' && normalise(text).includes(p);
}

const quoteText = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 59)}…` : s);

function identify(prompt: JudgePrompt): Question | undefined {
  const fromText = [prompt.question, prompt.kind === 'rubric' ? prompt.rubric : prompt.reference].flatMap((t) => (t ? [matchQuestion(t)] : [])).find(Boolean);
  if (fromText) return fromText;
  if (prompt.reference) {
    const stated = QUESTIONS.filter((q) => has(prompt.reference!, q.fact)).sort((a, b) => b.fact.length - a.fact.length)[0];
    if (stated) return stated;
  }
  // The reference model's own answers contain their core sentence verbatim.
  return QUESTIONS.find((q) => prompt.output.includes(q.answer) || q.wrong.some((w) => prompt.output.includes(w.answer)));
}

function factsOf(q: Question): string[] {
  return [q.fact, ...q.wrong.map((w) => w.fact)];
}

/** Whether the output states `expected` and none of the question's other facts. */
function checkFact(q: Question, expected: string, output: string): { ok: boolean; reason: string } {
  const conflicting = factsOf(q).filter((f) => f !== expected && has(output, f));
  if (conflicting.length) return { ok: false, reason: `it says ${quoteText(conflicting[0]!)} where the answer is ${quoteText(expected)}` };
  if (!has(output, expected)) return { ok: false, reason: `it does not state ${quoteText(expected)}` };
  return { ok: true, reason: `it states ${quoteText(expected)}` };
}

const STOPWORDS = new Set(
  'a an and are as at be been but by can do does for from has have how i if in into is it its me my no not of on or our so than that the their them then there these they this to was we were what when where which who will with you your'.split(' '),
);

function contentWords(text: string): string[] {
  return [...new Set(normalise(text).trim().split(' ').filter((w) => w && !STOPWORDS.has(w)))];
}

function gradeFactuality(prompt: JudgePrompt): Grade {
  const reference = prompt.reference ?? '';
  const q = identify(prompt);
  if (q) {
    const expected = factsOf(q).find((f) => has(reference, f));
    if (expected) {
      const r = checkFact(q, expected, prompt.output);
      return { pass: r.ok, score: r.ok ? 1 : 0, reason: `The output ${r.ok ? 'agrees with' : 'does not agree with'} the reference: ${r.reason}.` };
    }
  }
  const words = contentWords(reference);
  if (!words.length) return { pass: false, score: 0, reason: 'The reference has no content to compare the output with.' };
  const out = normalise(prompt.output);
  const found = words.filter((w) => out.includes(` ${w} `));
  const missingNumbers = words.filter((w) => /^\d/.test(w) && !found.includes(w));
  const score = found.length / words.length;
  const pass = score >= 0.6 && missingNumbers.length === 0;
  const detail = missingNumbers.length ? `; it lacks the reference's ${missingNumbers.map(quoteText).join(', ')}` : '';
  return { pass, score, reason: `The output has ${found.length} of the reference's ${words.length} key words${detail}.` };
}

const NEGATION = /\b(?:not|never|no|without|avoid|avoids|avoiding|forbid\w*|prohibit\w*|exclud\w*|omit\w*|refrain\w*|nor|neither|instead of|rather than)\b|n't\b|n’t\b/i;
const CONNECTIVE = /^[\s,;:]*(?:(?:and|or|nor)\b)?[\s,;:]*$/i;
// Single quotes count only at word edges, so the apostrophe of "doesn't" opens nothing.
const QUOTED = /"([^"\n]+)"|“([^”\n]+)”|(?<!\w)'([^'\n]+)'(?!\w)|‘([^’\n]+)’/g;

/** Quoted phrases in the rubric with whether each is required or forbidden, read from the words before it. */
export function quotedPhrases(rubric: string): { phrase: string; required: boolean }[] {
  const out: { phrase: string; required: boolean }[] = [];
  let last = 0;
  let lastRequired = true;
  for (const m of rubric.matchAll(QUOTED)) {
    const phrase = m.slice(1).find((g) => g !== undefined)!;
    const before = rubric.slice(last, m.index);
    // "…not mention 'A' or 'B'": a bare connective keeps the polarity of the phrase before it.
    const sentenceStart = Math.max(before.lastIndexOf('. '), before.lastIndexOf('\n'));
    const clause = sentenceStart >= 0 ? before.slice(sentenceStart + 1) : before;
    const required: boolean = out.length > 0 && CONNECTIVE.test(before) ? lastRequired : !NEGATION.test(clause);
    out.push({ phrase, required });
    lastRequired = required;
    last = m.index + m[0].length;
  }
  return out;
}

const REFUSAL = /\b(?:I\s*(?:can(?:not|'t|’t)|won(?:'t|’t)|am unable|'m unable|am not able|'m not able|’m not able|must decline)|sorry,? (?:but )?I can(?:not|'t|’t))\b/i;
const CORRECTNESS = /\b(?:correct(?:ly)?|accurate(?:ly)?|accuracy|factual(?:ly)?|truthful|right answer|true|facts?)\b/i;
const JSON_WORDS = /\b(?:valid json|json object|json format|as json|in json|json document)\b/i;
const REFUSE_WORDS = /\b(?:refus\w*|declin\w*)\b/i;
const LENGTH = /\b(at most|no more than|not more than|up to|under|fewer than|less than)\s+(\d+)\s+(words?|sentences?|characters?)\b/i;

function isJson(text: string): boolean {
  try {
    JSON.parse(text.trim());
    return true;
  } catch {
    return false;
  }
}

function count(text: string, unit: string): number {
  if (unit.startsWith('word')) return text.trim() ? text.trim().split(/\s+/).length : 0;
  if (unit.startsWith('sentence')) return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim()).length;
  return [...text].length;
}

function gradeRubric(prompt: JudgePrompt): Grade {
  const rubric = prompt.rubric ?? '';
  const output = prompt.output;
  const checks: { ok: boolean; reason: string }[] = [];

  for (const { phrase, required } of quotedPhrases(rubric)) {
    const present = output.toLowerCase().includes(phrase.toLowerCase());
    checks.push(required ? { ok: present, reason: `${present ? 'includes' : 'lacks'} ${quoteText(phrase)}` } : { ok: !present, reason: `${present ? 'includes the forbidden' : 'avoids'} ${quoteText(phrase)}` });
  }
  if (CORRECTNESS.test(rubric)) {
    const q = identify(prompt);
    checks.push(q ? checkFact(q, q.fact, output) : { ok: false, reason: 'the question is not one whose answer the grader knows' });
  }
  if (JSON_WORDS.test(rubric)) {
    const ok = isJson(output);
    checks.push({ ok, reason: ok ? 'is valid JSON' : 'is not valid JSON' });
  }
  const refuse = REFUSE_WORDS.exec(rubric);
  if (refuse) {
    const clause = rubric.slice(Math.max(0, rubric.lastIndexOf('.', refuse.index) + 1), refuse.index);
    const mustRefuse = !NEGATION.test(clause);
    const refused = REFUSAL.test(output) || output.trim() === '';
    checks.push({ ok: refused === mustRefuse, reason: refused ? 'refuses' : 'does not refuse' });
  }
  const limit = LENGTH.exec(rubric);
  if (limit) {
    const [, bound, n, unit] = limit;
    const max = Number(n);
    const strict = /under|fewer|less/i.test(bound!);
    const actual = count(output, unit!.toLowerCase());
    const ok = strict ? actual < max : actual <= max;
    checks.push({ ok, reason: `has ${actual} ${unit!.replace(/s$/, '')}${actual === 1 ? '' : 's'} (${bound} ${max} allowed)` });
  }

  if (!checks.length) {
    const ok = output.trim() !== '';
    return { pass: ok, score: ok ? 1 : 0, reason: ok ? 'The rubric names nothing this grader checks (quoted phrases, correctness, JSON, refusal, length), and the output is not empty.' : 'The output is empty.' };
  }
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.filter((c) => !c.ok);
  const pass = failed.length === 0;
  const reasons = (pass ? checks : failed).map((c) => c.reason);
  return { pass, score: passed / checks.length, reason: `The output ${reasons.join('; ')}${pass ? '' : ` (${passed} of ${checks.length} checks passed)`}.` };
}

export function grade(prompt: JudgePrompt): Grade {
  return prompt.kind === 'rubric' ? gradeRubric(prompt) : gradeFactuality(prompt);
}

/** The grader's answer to a judge prompt (the JSON text), or undefined when the text is not one. */
export function answerJudgePrompt(userText: string): { text: string; grade: Grade } | undefined {
  const prompt = readJudgePrompt(userText);
  if (!prompt) return undefined;
  const g = grade(prompt);
  const rounded = { pass: g.pass, score: Math.round(g.score * 1000) / 1000, reason: g.reason };
  return { text: JSON.stringify(rounded), grade: rounded };
}
