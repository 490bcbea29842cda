// Dataset files: JSONL, CSV and YAML (or JSON) into eval cases, and the one case validator every way in shares
// (files, the API's structured cases, gateway samples). Every problem is reported with the file, the line and
// the field, all of them at once (up to a cap), so a bad file is fixed in one go and nothing is stored from it.
// Pure (no database), so the CLI checks a file before sending it and the server checks it again on push.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { CaseInput, CaseMessage, Json } from '@/db/schema';
import { canonicalJson, sha256Hex } from '@/server/lib/canonical';

export const DATASET_LIMITS = {
  /** Largest file accepted, in bytes of UTF-8. */
  maxBytes: 5 * 1024 * 1024,
  maxCases: 5000,
  /** Problems reported per file; the rest are counted. */
  maxErrors: 20,
  maxIdChars: 200,
  maxTags: 50,
  maxTagChars: 100,
  maxMessages: 100,
} as const;

export const DATASET_FORMATS = ['jsonl', 'csv', 'yaml'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A case as a file gives it, validated; `externalId` is the file's `id`. */
export interface ParsedCase {
  externalId: string | null;
  input: CaseInput;
  expected: string | null;
  tags: string[];
  metadata: Record<string, Json>;
}

export type ParseResult = { ok: true; format: DatasetFormat; cases: ParsedCase[] } | { ok: false; errors: string[] };

const CASE_FIELDS = ['id', 'variables', 'vars', 'messages', 'expected', 'tags', 'metadata'] as const;
const ROLES = new Set(['system', 'user', 'assistant']);

/** The format a file name implies: `.jsonl`/`.ndjson`, `.csv`, `.yaml`/`.yml`/`.json`. */
export function formatOf(fileName: string): DatasetFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'csv') return 'csv';
  // JSON is YAML 1.2, so a JSON array of cases reads through the YAML parser with its line numbers.
  if (ext === 'yaml' || ext === 'yml' || ext === 'json') return 'yaml';
  return null;
}

/** Collects problems up to the cap and counts the rest. */
class Problems {
  readonly list: string[] = [];
  private extra = 0;
  constructor(private readonly file: string) {}
  add(line: number | null, message: string): void {
    if (this.list.length < DATASET_LIMITS.maxErrors) this.list.push(`${this.file}${line ? ` line ${line}` : ''}: ${message}`);
    else this.extra += 1;
  }
  get any(): boolean {
    return this.list.length > 0;
  }
  result(): string[] {
    return this.extra ? [...this.list, `…and ${this.extra} more problem${this.extra === 1 ? '' : 's'} in ${this.file}`] : this.list;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeof v === 'string' ? 'text' : `a ${typeof v}`);

/** Where a problem is: a line for the whole case, and a line per field when the format knows it. */
export interface CaseLocation {
  line: number | null;
  /** The line of a field (`expected`, `tags.2`, `messages.0.role`), falling back to `line`. */
  lineOf?: (path: (string | number)[]) => number | null;
  /** Prefix for field names: `cases[3].` in a YAML list, `` in JSONL. */
  prefix?: string;
}

/**
 * Checks one raw case and returns it normalised, or null after reporting each problem. Accepts `vars` as another
 * name for `variables`; ids may be numbers (kept as text).
 */
export function checkCase(raw: unknown, where: CaseLocation, problems: { add(line: number | null, message: string): void }): ParsedCase | null {
  const prefix = where.prefix ?? '';
  const at = (path: (string | number)[]) => where.lineOf?.(path) ?? where.line;
  let bad = false;
  const fail = (path: (string | number)[], message: string) => {
    bad = true;
    const field = path.length ? `${prefix}${path.join('.')}` : prefix.replace(/\.$/, '') || 'the case';
    problems.add(at(path), `${field} ${message}`);
  };
  if (!isObject(raw)) {
    fail([], `must be a mapping with variables or messages, not ${kindOf(raw)}`);
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!(CASE_FIELDS as readonly string[]).includes(key)) fail([key], `is not a case field (use id, variables, messages, expected, tags, metadata)`);
  }
  if ('vars' in raw && 'variables' in raw) fail(['vars'], 'repeats variables; give one of them');

  let externalId: string | null = null;
  if (raw.id !== undefined && raw.id !== null) {
    if (typeof raw.id === 'number' && Number.isFinite(raw.id)) externalId = String(raw.id);
    else if (typeof raw.id === 'string' && raw.id.trim()) externalId = raw.id.trim();
    else fail(['id'], 'must be non-empty text or a number');
    if (externalId && externalId.length > DATASET_LIMITS.maxIdChars) fail(['id'], `must be at most ${DATASET_LIMITS.maxIdChars} characters`);
  }

  const varsKey = 'variables' in raw ? 'variables' : 'vars';
  const rawVars = raw[varsKey];
  let variables: Record<string, Json> | undefined;
  if (rawVars !== undefined && rawVars !== null) {
    if (!isObject(rawVars)) fail([varsKey], `must be a mapping of variable names to values, not ${kindOf(rawVars)}`);
    else {
      variables = {};
      for (const [name, value] of Object.entries(rawVars)) {
        if (!name.trim()) fail([varsKey], 'has an empty variable name');
        else if (!isJson(value)) fail([varsKey, name], 'must be text, a number, true/false, null, a list or a mapping');
        else variables[name] = value;
      }
    }
  }

  let messages: CaseMessage[] | undefined;
  if (raw.messages !== undefined && raw.messages !== null) {
    if (!Array.isArray(raw.messages) || raw.messages.length === 0) fail(['messages'], 'must be a non-empty list of {role, content}');
    else if (raw.messages.length > DATASET_LIMITS.maxMessages) fail(['messages'], `must hold at most ${DATASET_LIMITS.maxMessages} messages`);
    else {
      messages = [];
      raw.messages.forEach((m: unknown, i) => {
        if (!isObject(m)) return fail(['messages', i], `must be a mapping with role and content, not ${kindOf(m)}`);
        const extra = Object.keys(m).filter((k) => k !== 'role' && k !== 'content');
        if (extra.length) fail(['messages', i, extra[0]!], 'is not a message field (use role and content)');
        if (typeof m.role !== 'string' || !ROLES.has(m.role)) fail(['messages', i, 'role'], 'must be system, user or assistant');
        if (typeof m.content !== 'string') fail(['messages', i, 'content'], 'must be a string');
        else if (typeof m.role === 'string' && ROLES.has(m.role)) messages!.push({ role: m.role as CaseMessage['role'], content: m.content });
      });
    }
  }
  if (variables === undefined && messages === undefined && !bad) fail([], 'needs variables (for the prompt) or messages (sent as they are)');

  let expected: string | null = null;
  if (raw.expected !== undefined && raw.expected !== null) {
    if (typeof raw.expected !== 'string') fail(['expected'], 'must be a string');
    else expected = raw.expected;
  }

  const tags = checkTags(raw.tags, fail);

  let metadata: Record<string, Json> = {};
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (!isObject(raw.metadata)) fail(['metadata'], `must be a mapping, not ${kindOf(raw.metadata)}`);
    else if (!isJson(raw.metadata)) fail(['metadata'], 'must hold only text, numbers, true/false, null, lists and mappings');
    else metadata = raw.metadata as Record<string, Json>;
  }

  if (bad) return null;
  return { externalId, input: { ...(variables ? { variables } : {}), ...(messages ? { messages } : {}) }, expected, tags, metadata };
}

function checkTags(raw: unknown, fail: (path: (string | number)[], message: string) => void): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail(['tags'], `must be a list of strings, not ${kindOf(raw)}`);
    return [];
  }
  const tags: string[] = [];
  raw.forEach((t: unknown, i) => {
    if (typeof t !== 'string' || !t.trim()) return fail(['tags', i], 'must be non-empty text');
    if (t.trim().length > DATASET_LIMITS.maxTagChars) return fail(['tags', i], `must be at most ${DATASET_LIMITS.maxTagChars} characters`);
    if (!tags.includes(t.trim())) tags.push(t.trim());
  });
  if (tags.length > DATASET_LIMITS.maxTags) fail(['tags'], `must hold at most ${DATASET_LIMITS.maxTags} tags`);
  return tags;
}

function isJson(v: unknown): v is Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObject(v)) return Object.values(v).every(isJson);
  return false;
}

/** Parses a dataset file; the format comes from `format` or the file name. */
export function parseDatasetFile(fileName: string, text: string, format?: DatasetFormat): ParseResult {
  const name = fileName.trim() || 'the file';
  const kind = format ?? formatOf(name);
  if (!kind) return { ok: false, errors: [`${name}: unknown format; name the file .jsonl, .csv, .yaml or .json`] };
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > DATASET_LIMITS.maxBytes) return { ok: false, errors: [`${name}: ${mb(bytes)} is more than the ${mb(DATASET_LIMITS.maxBytes)} a dataset file may hold; split it into several datasets`] };
  if (text.includes('\u0000')) return { ok: false, errors: [`${name} line ${text.slice(0, text.indexOf('\u0000')).split('\n').length}: holds a NUL character, which cannot be stored`] };
  const body = text.replace(/^\uFEFF/, '');
  const problems = new Problems(name);
  const cases = kind === 'jsonl' ? parseJsonl(body, problems) : kind === 'csv' ? parseCsvCases(body, problems) : parseYamlCases(body, problems);
  if (!problems.any && cases.length === 0) problems.add(null, 'holds no cases');
  if (!problems.any && cases.length > DATASET_LIMITS.maxCases) problems.add(null, `holds ${cases.length.toLocaleString('en')} cases; a dataset version may hold at most ${DATASET_LIMITS.maxCases.toLocaleString('en')}`);
  if (!problems.any) checkUniqueIds(cases, problems);
  return problems.any ? { ok: false, errors: problems.result() } : { ok: true, format: kind, cases: cases.map((c) => c.value) };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;

type Located = { line: number | null; value: ParsedCase };

function checkUniqueIds(cases: Located[], problems: Problems): void {
  const seen = new Map<string, number | null>();
  for (const c of cases) {
    const id = c.value.externalId;
    if (id === null) continue;
    if (seen.has(id)) problems.add(c.line, `id "${id}" is used again (first at line ${seen.get(id) ?? '?'}); ids must be unique`);
    else seen.set(id, c.line);
  }
}

// ── JSONL ───────────────────────────────────────────────────────────────────

function parseJsonl(text: string, problems: Problems): Located[] {
  const cases: Located[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    if (cases.length >= DATASET_LIMITS.maxCases) {
      problems.add(i + 1, `more than ${DATASET_LIMITS.maxCases.toLocaleString('en')} cases; a dataset version may hold at most that many`);
      break;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.add(i + 1, `not valid JSON${jsonColumn(err)}`);
      continue;
    }
    const parsed = checkCase(value, { line: i + 1 }, problems);
    if (parsed) cases.push({ line: i + 1, value: parsed });
  }
  return cases;
}

/** `(column 12: Unexpected token })` from the parser's message, without the line text it may quote. */
function jsonColumn(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const pos = /position (\d+)/.exec(message);
  const what = message.split(/ in JSON| at position|,? "/)[0]?.trim();
  return pos ? ` (column ${Number(pos[1]) + 1}${what ? `: ${what}` : ''})` : what ? ` (${what})` : '';
}

// ── YAML (and JSON) ───────────────────────────────────────────────────────────

function parseYamlCases(text: string, problems: Problems): Located[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors.slice(0, 5)) problems.add(e.pos ? lc.linePos(e.pos[0]).line : null, `not valid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    return [];
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.add(null, `not valid YAML: ${(err as Error).message}`);
    return [];
  }
  // A list of cases, or a mapping whose `cases:` is that list.
  let listPath: string[] = [];
  let list: unknown = value;
  if (isObject(value)) {
    const extra = Object.keys(value).filter((k) => k !== 'cases');
    if (extra.length) problems.add(lineAt(doc, lc, [extra[0]!]), `"${extra[0]}" is not expected here; the file holds a list of cases, or cases: with that list`);
    list = value.cases;
    listPath = ['cases'];
  }
  if (!Array.isArray(list)) {
    problems.add(lineAt(doc, lc, listPath), `must be a list of cases (or a mapping with cases:), not ${kindOf(list)}`);
    return [];
  }
  const cases: Located[] = [];
  for (let i = 0; i < list.length; i++) {
    if (i >= DATASET_LIMITS.maxCases) {
      problems.add(lineAt(doc, lc, [...listPath, i]), `more than ${DATASET_LIMITS.maxCases.toLocaleString('en')} cases; a dataset version may hold at most that many`);
      break;
    }
    const path = [...listPath, i];
    const line = lineAt(doc, lc, path);
    const parsed = checkCase(list[i], { line, lineOf: (p) => lineAt(doc, lc, [...path, ...p]), prefix: `${listPath.length ? 'cases' : ''}[${i}].` }, problems);
    if (parsed) cases.push({ line, value: parsed });
  }
  return cases;
}

/** The line of the node at `path` (a mapping's field by its key, a list's item by its start), or of its nearest ancestor. */
function lineAt(doc: Document, lc: LineCounter, path: (string | number)[]): number | null {
  let node: unknown = doc.contents;
  let line = rangeLine(node, lc);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      line = rangeLine(pair.key, lc) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
      node = node.items[part];
      line = rangeLine(node, lc) ?? line;
    } else break;
  }
  return line;
}

function rangeLine(node: unknown, lc: LineCounter): number | null {
  const range = (node as YamlNode | null)?.range;
  return range ? lc.linePos(range[0]).line : null;
}

// ── CSV ───────────────────────────────────────────────────────────────────────

/** One CSV record: its fields and the line each field starts on (a quoted field may span lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
  fieldLines: number[];
}

/**
 * RFC 4180 records: comma-separated, fields in double quotes may hold commas, newlines and doubled quotes (`""`),
 * lines end in LF or CRLF. A quote inside an unquoted field, text after a closing quote, or a quote never closed
 * is a problem named with its line.
 */
export function parseCsv(text: string, problems: { add(line: number | null, message: string): void }): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const record: CsvRecord = { line, fields: [], fieldLines: [] };
    let recordBad = false;
    // One record: fields until an unquoted newline or the end.
    for (;;) {
      const fieldLine = line;
      let value = '';
      if (text[i] === '"') {
        const opened = line;
        i += 1;
        let closed = false;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            closed = true;
            break;
          }
          if (ch === '\n') line += 1;
          // A CRLF inside a quoted field is a newline of the value.
          if (ch === '\r' && text[i + 1] === '\n') {
            i += 1;
            continue;
          }
          value += ch;
          i += 1;
        }
        if (!closed) {
          problems.add(opened, `field ${record.fields.length + 1}: a quote opened here is never closed`);
          return records;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (!recordBad) problems.add(line, `field ${record.fields.length + 1}: text after a closing quote; double a quote inside a quoted field ("")`);
          recordBad = true;
          while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i += 1;
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) i += 1;
        value = text.slice(start, i);
        if (value.includes('"') && !recordBad) {
          problems.add(line, `field ${record.fields.length + 1}: a quote inside an unquoted field; wrap the field in quotes and double the quote ("")`);
          recordBad = true;
        }
      }
      record.fields.push(value);
      record.fieldLines.push(fieldLine);
      if (i >= n) break;
      if (text[i] === ',') {
        i += 1;
        // A trailing comma at the end of the text still ends with one more (empty) field.
        if (i >= n) {
          record.fields.push('');
          record.fieldLines.push(line);
        }
        continue;
      }
      // A newline (LF or CRLF) ends the record.
      i += text[i] === '\r' ? 2 : 1;
      line += 1;
      break;
    }
    const blank = record.fields.length === 1 && record.fields[0] === '';
    if (!blank && !recordBad) records.push(record);
  }
  return records;
}

type Column = { kind: 'id' | 'expected' | 'tags' | 'messages' } | { kind: 'variable' | 'metadata'; name: string };

function columnOf(header: string): Column | string {
  const h = header.trim();
  if (!h) return 'has an empty name';
  if (h === 'id' || h === 'expected' || h === 'tags' || h === 'messages') return { kind: h };
  const dotted = /^(vars|variables|metadata)\.(.+)$/.exec(h);
  if (dotted) return dotted[1] === 'metadata' ? { kind: 'metadata', name: dotted[2]! } : { kind: 'variable', name: dotted[2]! };
  const bare = /^(vars|variables|metadata)\.?$/.exec(h);
  if (bare) return `"${h}" needs a name after the dot: ${bare[1]}.<name>`;
  return { kind: 'variable', name: h };
}

function parseCsvCases(text: string, problems: Problems): Located[] {
  const records = parseCsv(text, problems);
  if (problems.any) return [];
  const [header, ...rows] = records;
  if (!header) return [];
  const columns: Column[] = [];
  const seen = new Map<string, string>();
  header.fields.forEach((h, c) => {
    const col = columnOf(h);
    if (typeof col === 'string') return problems.add(header.line, `column ${c + 1} ${col}`);
    const key = 'name' in col ? `${col.kind}:${col.name}` : col.kind;
    if (seen.has(key)) problems.add(header.line, `column "${h.trim()}" repeats column "${seen.get(key)}"`);
    seen.set(key, h.trim());
    columns.push(col);
  });
  if (problems.any) return [];
  if (!columns.some((c) => c.kind === 'variable' || c.kind === 'messages')) {
    problems.add(header.line, 'the header names no variable columns (vars.<name> or plain names) and no messages column');
    return [];
  }
  const cases: Located[] = [];
  for (const row of rows) {
    if (cases.length >= DATASET_LIMITS.maxCases) {
      problems.add(row.line, `more than ${DATASET_LIMITS.maxCases.toLocaleString('en')} cases; a dataset version may hold at most that many`);
      break;
    }
    if (row.fields.length !== columns.length) {
      problems.add(row.line, `has ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, the header has ${columns.length}`);
      continue;
    }
    const raw: Record<string, unknown> = {};
    const fieldLine: Record<string, number> = {};
    const names: Record<string, string> = {};
    let bad = false;
    columns.forEach((col, c) => {
      const cell = row.fields[c]!;
      const where = row.fieldLines[c]!;
      const headerName = header.fields[c]!.trim();
      if (col.kind === 'variable') {
        ((raw.variables ??= {}) as Record<string, unknown>)[col.name] = cell;
        fieldLine[`variables.${col.name}`] = where;
      } else if (col.kind === 'metadata') {
        if (cell !== '') ((raw.metadata ??= {}) as Record<string, unknown>)[col.name] = cell;
      } else if (col.kind === 'tags') {
        raw.tags = cell.split(/[;|]/).map((t) => t.trim()).filter(Boolean);
        fieldLine.tags = where;
      } else if (col.kind === 'messages') {
        if (cell.trim() === '') return;
        try {
          raw.messages = JSON.parse(cell);
        } catch (err) {
          problems.add(where, `column "messages": not valid JSON${jsonColumn(err)}; give a JSON list of {"role","content"}`);
          bad = true;
        }
        fieldLine.messages = where;
      } else {
        if (cell !== '') raw[col.kind] = cell;
        fieldLine[col.kind] = where;
      }
      names[col.kind === 'variable' ? `variables.${(col as { name: string }).name}` : col.kind] = headerName;
    });
    if (bad) continue;
    // Field names in CSV problems are the column's name as the header writes it.
    const columnName = (f: string) => {
      if (names[f]) return `column "${names[f]}"`;
      const [head, ...rest] = f.split('.');
      return names[head!] ? `column "${names[head!]}" (${rest.join('.')})` : f;
    };
    const located = { add: (l: number | null, message: string) => problems.add(l, message.replace(/^(\S+)/, columnName)) };
    const parsed = checkCase(raw, { line: row.line, lineOf: (p) => fieldLine[p.slice(0, 2).join('.')] ?? fieldLine[String(p[0])] ?? null }, located);
    if (parsed) cases.push({ line: row.line, value: parsed });
  }
  return cases;
}

// ── Content addressing ────────────────────────────────────────────────────────

/** What makes a case the same case: its input, expected answer, tags and metadata (not its id or position). */
export function caseContent(c: ParsedCase) {
  return { input: c.input, expected: c.expected, tags: c.tags, metadata: c.metadata };
}

/** Canonical text of a version's content: every case with its id, in order. Hashed for content addressing. */
export function datasetCanonical(cases: ParsedCase[]): string {
  return canonicalJson(cases.map((c) => ({ id: c.externalId, ...caseContent(c) })));
}

/** The version's content hash: identical cases in the same order are the same version. */
export const datasetContentHash = (cases: ParsedCase[]) => sha256Hex(datasetCanonical(cases));
/** The case's key: the same case keeps it across versions, whatever its id or position. */
export const caseKeyOf = (c: ParsedCase) => sha256Hex(canonicalJson(caseContent(c)));
