// Plain text checks: equals, contains and icontains (one string, any of a list, all of a list), starts-with,
// and regex. Regular expressions run in the sandbox worker, so a pattern that backtracks forever cannot stall
// the app.
import { runRegex } from '../sandbox';
import { binary, checkStringList, checkStringValue, graded, quote, textValue, type AssertionDef, type EvaluateInput } from './spec';

const equals: AssertionDef = {
  type: 'equals',
  summary: 'the output equals value (default: the expected answer), ignoring whitespace at either end',
  negatable: true,
  validate: (spec, path) => checkStringValue(spec, path, true),
  evaluate(input) {
    const want = textValue(input, true).trim();
    const got = input.output.content.trim();
    return binary(got === want, got === want ? `output equals ${quote(want)}` : `output ${quote(got)} differs from ${quote(want)}`);
  },
};

function containsDef(type: string, caseless: boolean): AssertionDef {
  return {
    type,
    summary: `the output contains value (default: the expected answer)${caseless ? ', ignoring case' : ''}`,
    negatable: true,
    validate: (spec, path) => checkStringValue(spec, path, true),
    evaluate(input) {
      const want = textValue(input, true);
      const found = caseless ? input.output.content.toLowerCase().includes(want.toLowerCase()) : input.output.content.includes(want);
      return binary(found, `output ${found ? 'contains' : 'does not contain'} ${quote(want)}${caseless ? ' (ignoring case)' : ''}`);
    },
  };
}

function listValues(input: EvaluateInput): string[] {
  return (input.spec.value as string[]).map((s) => input.render(s));
}

function containsAnyDef(type: string, caseless: boolean): AssertionDef {
  return {
    type,
    summary: `the output contains at least one string of value (a list)${caseless ? ', ignoring case' : ''}`,
    negatable: true,
    validate: checkStringList,
    evaluate(input) {
      const wants = listValues(input);
      const hay = caseless ? input.output.content.toLowerCase() : input.output.content;
      const hit = wants.find((w) => hay.includes(caseless ? w.toLowerCase() : w));
      return binary(hit !== undefined, hit !== undefined ? `output contains ${quote(hit)}` : `output contains none of ${wants.map((w) => quote(w, 40)).join(', ')}`);
    },
  };
}

function containsAllDef(type: string, caseless: boolean): AssertionDef {
  return {
    type,
    summary: `the output contains every string of value (a list)${caseless ? ', ignoring case' : ''}; scores the fraction found`,
    defaultThreshold: 1,
    negatable: true,
    validate: checkStringList,
    evaluate(input) {
      const wants = listValues(input);
      const hay = caseless ? input.output.content.toLowerCase() : input.output.content;
      const missing = wants.filter((w) => !hay.includes(caseless ? w.toLowerCase() : w));
      const result = graded((wants.length - missing.length) / wants.length, input.threshold, `found ${wants.length - missing.length} of ${wants.length} strings; fraction`);
      return { ...result, reason: missing.length ? `${result.reason}; missing ${missing.map((w) => quote(w, 40)).join(', ')}` : `output contains all ${wants.length} strings` };
    },
  };
}

const startsWith: AssertionDef = {
  type: 'starts-with',
  summary: 'the output starts with value (default: the expected answer), after leading whitespace',
  negatable: true,
  validate: (spec, path) => checkStringValue(spec, path, true),
  evaluate(input) {
    const want = textValue(input, true);
    const ok = input.output.content.trimStart().startsWith(want);
    return binary(ok, `output ${ok ? 'starts' : 'does not start'} with ${quote(want)}`);
  },
};

const REGEX_FLAGS = /^[imsu]*$/;

const regex: AssertionDef = {
  type: 'regex',
  summary: 'the output matches the regular expression value (JavaScript syntax; `flags` such as "i"); not templated',
  negatable: true,
  options: ['flags'],
  validate(spec, path) {
    const problems: string[] = [];
    if (typeof spec.value !== 'string' || spec.value === '') problems.push(`${path}.value: must be a regular expression (a non-empty string)`);
    const flags = spec.flags ?? '';
    if (typeof flags !== 'string' || !REGEX_FLAGS.test(flags) || new Set(flags).size !== flags.length) problems.push(`${path}.flags: must be letters among i, m, s, u, each at most once`);
    if (!problems.length) {
      try {
        new RegExp(spec.value as string, flags as string);
      } catch (err) {
        problems.push(`${path}.value: not a valid regular expression: ${(err as Error).message}`);
      }
    }
    return problems;
  },
  async evaluate(input) {
    const pattern = input.spec.value as string;
    const flags = (input.spec.flags as string | undefined) ?? '';
    const result = await runRegex(pattern, flags, input.output.content, { signal: input.ctx.signal });
    if (!result.ok) return binary(false, `regex /${pattern}/${flags} could not be checked: ${result.error}`);
    return binary(result.value, `output ${result.value ? 'matches' : 'does not match'} /${pattern}/${flags}`);
  },
};

export const TEXT_ASSERTIONS: AssertionDef[] = [
  equals,
  containsDef('contains', false),
  containsDef('icontains', true),
  containsAnyDef('contains-any', false),
  containsAllDef('contains-all', false),
  containsAnyDef('icontains-any', true),
  containsAllDef('icontains-all', true),
  startsWith,
  regex,
];
