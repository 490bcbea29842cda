// Dataset files: every format reads into the same cases, and every problem names the file, the line and the field.
import { describe, expect, it } from 'vitest';
import { DATASET_LIMITS, datasetCanonical, formatOf, parseCsv, parseDatasetFile, type ParseResult } from '@/server/evals/dataset-files';

const ok = (r: ParseResult) => {
  if (!r.ok) throw new Error(`expected the file to parse:\n${r.errors.join('\n')}`);
  return r.cases;
};
const errors = (r: ParseResult) => {
  if (r.ok) throw new Error('expected problems, the file parsed');
  return r.errors;
};

describe('formats', () => {
  it('picks the format from the file name', () => {
    expect(formatOf('cases.jsonl')).toBe('jsonl');
    expect(formatOf('a/b/cases.NDJSON')).toBe('jsonl');
    expect(formatOf('cases.csv')).toBe('csv');
    expect(formatOf('cases.yml')).toBe('yaml');
    expect(formatOf('cases.json')).toBe('yaml');
    expect(formatOf('cases.txt')).toBeNull();
    expect(errors(parseDatasetFile('cases.txt', 'x'))).toEqual(['cases.txt: unknown format; name the file .jsonl, .csv, .yaml or .json']);
  });

  it('reads JSONL with variables or messages, expected, tags and metadata, skipping blank lines and CRLF', () => {
    const text = [
      '{"id":"q1","variables":{"question":"Where is my order?"},"expected":"tracking","tags":["orders","easy","orders"],"metadata":{"source":"faq"}}',
      '',
      '{"vars":{"question":"Refund?"},"expected":"refund"}',
      '{"id":7,"messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}]}',
    ].join('\r\n');
    expect(ok(parseDatasetFile('cases.jsonl', text))).toEqual([
      { externalId: 'q1', input: { variables: { question: 'Where is my order?' } }, expected: 'tracking', tags: ['orders', 'easy'], metadata: { source: 'faq' } },
      { externalId: null, input: { variables: { question: 'Refund?' } }, expected: 'refund', tags: [], metadata: {} },
      { externalId: '7', input: { messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }] }, expected: null, tags: [], metadata: {} },
    ]);
  });

  it('reads YAML as a list or under cases:, and JSON arrays', () => {
    const yaml = ['cases:', '  - id: a', '    variables: { question: "Hello?" }', '    expected: hi', '    tags: [greeting]', '  - messages:', '      - role: user', '        content: |', '          two', '          lines'].join('\n');
    expect(ok(parseDatasetFile('cases.yaml', yaml))).toEqual([
      { externalId: 'a', input: { variables: { question: 'Hello?' } }, expected: 'hi', tags: ['greeting'], metadata: {} },
      { externalId: null, input: { messages: [{ role: 'user', content: 'two\nlines\n' }] }, expected: null, tags: [], metadata: {} },
    ]);
    expect(ok(parseDatasetFile('cases.yml', '- variables: {q: 1}\n'))).toEqual([{ externalId: null, input: { variables: { q: 1 } }, expected: null, tags: [], metadata: {} }]);
    expect(ok(parseDatasetFile('cases.json', '[{"vars": {"q": "x"}, "expected": "y"}]'))).toHaveLength(1);
  });

  it('reads CSV with vars.<name> and plain variable columns, expected, tags split on ; or |, metadata.<k>', () => {
    const csv = ['id,vars.question,tone,expected,tags,metadata.source', 'q1,"Where is ""my"" order?",calm,tracking,orders; easy,faq', 'q2,"line one', 'line two",,,a|b|,'].join('\r\n') + '\r\n';
    expect(ok(parseDatasetFile('cases.csv', csv))).toEqual([
      { externalId: 'q1', input: { variables: { question: 'Where is "my" order?', tone: 'calm' } }, expected: 'tracking', tags: ['orders', 'easy'], metadata: { source: 'faq' } },
      { externalId: 'q2', input: { variables: { question: 'line one\nline two', tone: '' } }, expected: null, tags: ['a', 'b'], metadata: {} },
    ]);
  });

  it('reads a CSV messages column as JSON', () => {
    const csv = 'messages,expected\n"[{""role"":""user"",""content"":""Hi, there""}]",hello\n';
    expect(ok(parseDatasetFile('cases.csv', csv))).toEqual([{ externalId: null, input: { messages: [{ role: 'user', content: 'Hi, there' }] }, expected: 'hello', tags: [], metadata: {} }]);
  });

  it('hashes the same content the same way whatever the format', () => {
    const a = ok(parseDatasetFile('a.jsonl', '{"id":"1","variables":{"q":"x"},"expected":"y","tags":["t"]}'));
    const b = ok(parseDatasetFile('b.csv', 'id,q,expected,tags\n1,x,y,t\n'));
    const c = ok(parseDatasetFile('c.yaml', '- {id: "1", vars: {q: x}, expected: y, tags: [t]}'));
    expect(datasetCanonical(a)).toBe(datasetCanonical(b));
    expect(datasetCanonical(a)).toBe(datasetCanonical(c));
  });
});

describe('the CSV parser', () => {
  const parse = (text: string) => {
    const problems: string[] = [];
    const records = parseCsv(text, { add: (line, m) => problems.push(`line ${line}: ${m}`) });
    return { rows: records.map((r) => r.fields), lines: records.map((r) => r.line), problems };
  };

  it('handles quotes, doubled quotes, commas and newlines inside quotes, CRLF, empty fields and a missing last newline', () => {
    expect(parse('a,b,c\r\n"x, y","he said ""hi""",\r\n"multi\r\nline",,z')).toEqual({
      rows: [
        ['a', 'b', 'c'],
        ['x, y', 'he said "hi"', ''],
        ['multi\nline', '', 'z'],
      ],
      lines: [1, 2, 3],
      problems: [],
    });
  });

  it('counts lines across quoted newlines and skips blank lines', () => {
    expect(parse('h\n"a\nb\nc"\n\nd\n').lines).toEqual([1, 2, 6]);
  });

  it('names a quote never closed, a quote in an unquoted field and text after a closing quote', () => {
    expect(parse('a,b\n1,"open\n2,3\n').problems).toEqual(['line 2: field 2: a quote opened here is never closed']);
    expect(parse('a,b\n1,x"y\n').problems).toEqual(['line 2: field 2: a quote inside an unquoted field; wrap the field in quotes and double the quote ("")']);
    expect(parse('a,b\n"1"x,2\n').problems).toEqual(['line 2: field 1: text after a closing quote; double a quote inside a quoted field ("")']);
  });
});

describe('problems name the line and the field, all at once, and nothing is returned', () => {
  it('JSONL: bad JSON, wrong types, unknown fields, missing input, duplicate ids', () => {
    const text = [
      '{"variables":{"q":"a"},"expected":"x"}',
      '{"variables":{"q":"b"},',
      '{"variables":{"q":"c"},"expected":42}',
      '{"variables":{"q":"d"},"tags":"one"}',
      '{"variables":{"q":"e"},"answer":"x"}',
      '{"expected":"only"}',
      '{"messages":[{"role":"robot","content":"x"}]}',
      '[1,2]',
      '{"id":"a","variables":{}}',
      '{"id":"a","variables":{}}',
    ].join('\n');
    const r = errors(parseDatasetFile('cases.jsonl', text));
    expect(r[0]).toMatch(/^cases\.jsonl line 2: not valid JSON/);
    expect(r.slice(1)).toEqual([
      'cases.jsonl line 3: expected must be a string',
      'cases.jsonl line 4: tags must be a list of strings, not text',
      'cases.jsonl line 5: answer is not a case field (use id, variables, messages, expected, tags, metadata)',
      'cases.jsonl line 6: the case needs variables (for the prompt) or messages (sent as they are)',
      'cases.jsonl line 7: messages.0.role must be system, user or assistant',
      'cases.jsonl line 8: the case must be a mapping with variables or messages, not a list',
    ]);
    // Duplicate ids are checked once every case is valid.
    expect(errors(parseDatasetFile('cases.jsonl', text.split('\n').slice(8).join('\n')))).toEqual(['cases.jsonl line 2: id "a" is used again (first at line 1); ids must be unique']);
  });

  it('caps the list and counts the rest', () => {
    const text = Array.from({ length: 30 }, () => '{"variables":{"q":1},"expected":1}').join('\n');
    const r = errors(parseDatasetFile('many.jsonl', text));
    expect(r).toHaveLength(DATASET_LIMITS.maxErrors + 1);
    expect(r[19]).toBe('many.jsonl line 20: expected must be a string');
    expect(r[20]).toBe('…and 10 more problems in many.jsonl');
  });

  it('YAML: the line of the field itself', () => {
    const yaml = ['cases:', '  - variables: { q: a }', '    expected: 3', '  - vars: {q: b}', '    tags:', '      - ok', '      - ""', '  - just text', 'extra: 1'].join('\n');
    expect(errors(parseDatasetFile('suite/cases.yaml', yaml))).toEqual([
      'suite/cases.yaml line 9: "extra" is not expected here; the file holds a list of cases, or cases: with that list',
      'suite/cases.yaml line 3: cases[0].expected must be a string',
      'suite/cases.yaml line 7: cases[1].tags.1 must be non-empty text',
      'suite/cases.yaml line 8: cases[2] must be a mapping with variables or messages, not text',
    ]);
    expect(errors(parseDatasetFile('c.yaml', 'a: [1\n'))[0]).toMatch(/^c\.yaml line \d: not valid YAML/);
    expect(errors(parseDatasetFile('c.yaml', 'just: text\n'))).toEqual([
      'c.yaml line 1: "just" is not expected here; the file holds a list of cases, or cases: with that list',
      'c.yaml line 1: must be a list of cases (or a mapping with cases:), not a undefined',
    ]);
  });

  it('CSV: the header, field counts and cells by column name', () => {
    expect(errors(parseDatasetFile('c.csv', 'id,expected\n1,x\n'))).toEqual(['c.csv line 1: the header names no variable columns (vars.<name> or plain names) and no messages column']);
    expect(errors(parseDatasetFile('c.csv', 'q,vars.q,,metadata.\n'))).toEqual(['c.csv line 1: column "vars.q" repeats column "q"', 'c.csv line 1: column 3 has an empty name', 'c.csv line 1: column 4 "metadata." needs a name after the dot: metadata.<name>']);
    expect(errors(parseDatasetFile('c.csv', 'q,variables.q\n'))).toEqual(['c.csv line 1: column "variables.q" repeats column "q"']);
    expect(errors(parseDatasetFile('c.csv', 'q,expected\na,b\n"two\nlines",c,d\nok,\n'))).toEqual(['c.csv line 3: has 3 fields, the header has 2']);
    expect(errors(parseDatasetFile('c.csv', 'q,messages\na,[oops\nb,"[{""role"":""x"",""content"":""y""}]"\n'))).toEqual([
      `c.csv line 2: column "messages": not valid JSON (Unexpected token 'o'); give a JSON list of {"role","content"}`,
      'c.csv line 3: column "messages" (0.role) must be system, user or assistant',
    ]);
    expect(errors(parseDatasetFile('c.csv', 'id,q\nx,1\nx,2\n'))).toEqual(['c.csv line 3: id "x" is used again (first at line 2); ids must be unique']);
  });

  it('refuses empty files, too many cases and files too large, with the limit', () => {
    expect(errors(parseDatasetFile('e.jsonl', '\n\n'))).toEqual(['e.jsonl: holds no cases']);
    expect(errors(parseDatasetFile('e.csv', 'q\n'))).toEqual(['e.csv: holds no cases']);
    const many = Array.from({ length: DATASET_LIMITS.maxCases + 1 }, (_, i) => `{"variables":{"i":${i}}}`).join('\n');
    expect(errors(parseDatasetFile('big.jsonl', many))).toEqual([`big.jsonl line ${DATASET_LIMITS.maxCases + 1}: more than 5,000 cases; a dataset version may hold at most that many`]);
    const huge = 'q\n' + 'x'.repeat(DATASET_LIMITS.maxBytes);
    expect(errors(parseDatasetFile('huge.csv', huge))).toEqual(['huge.csv: 5 MB is more than the 5 MB a dataset file may hold; split it into several datasets']);
  });
});
