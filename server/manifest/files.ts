// Reading YAML or JSON files given to commands, and reporting zod issues against them as
// `file:line: path.in.file: rule`, so a mistake in a manifest points at the line to fix.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { unstorableIssues } from '@/server/lib/storable';

/** A file that cannot be read or does not hold what it should; the message names the file and, when known, the line. */
/** A local file that cannot be read or is not valid (a usage error for the CLI, a failed step for a pipeline). */
export class SourceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceFileError';
  }
}

/** Limits for reading files that come from somewhere untrusted, such as a repository checked out on the server. */
export interface ReadLimits {
  /** Refuse files whose real path (symbolic links followed) lies outside this folder. */
  root?: string;
  /** Refuse files larger than this. */
  maxBytes?: number;
}

export interface SourceFile {
  /** The path as the user gave it (or relative to the manifest), used in messages. */
  name: string;
  /** Absolute path, for resolving files it refers to. */
  absolute: string;
  value: unknown;
  /** The 1-based line of the value at `issuePath`, or of its nearest ancestor present in the file. */
  lineOf: (issuePath: PropertyKey[], key?: string) => number | null;
}

/** A file's text, optionally confined to a folder (symbolic links followed) and capped in size. */
export function readTextFile(file: string, displayName = file, limits: ReadLimits = {}): string {
  const absolute = path.resolve(/*turbopackIgnore: true*/ file);
  try {
    if (limits.root) {
      const outside = (root: string, p: string) => {
        const rel = path.relative(root, p);
        return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
      };
      // By name first, then with symbolic links followed.
      if (outside(path.resolve(/*turbopackIgnore: true*/ limits.root), absolute) || outside(realpathSync(/*turbopackIgnore: true*/ limits.root), realpathSync(/*turbopackIgnore: true*/ absolute))) throw new SourceFileError(`cannot read ${displayName}: it lies outside the repository`);
    }
    if (limits.maxBytes !== undefined && statSync(absolute).size > limits.maxBytes) throw new SourceFileError(`cannot read ${displayName}: larger than ${limits.maxBytes} bytes`);
    return readFileSync(absolute, 'utf8');
  } catch (err) {
    if (err instanceof SourceFileError) throw err;
    const code = (err as { code?: string }).code;
    throw new SourceFileError(`cannot read ${displayName}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
}

export function readSourceFile(file: string, displayName = file, limits: ReadLimits = {}): SourceFile {
  return parseSource(readTextFile(file, displayName, limits), displayName, path.resolve(/*turbopackIgnore: true*/ file));
}

export function parseSource(text: string, name: string, absolute = path.resolve(/*turbopackIgnore: true*/ name)): SourceFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.pos ? lineCounter.linePos(problem.pos[0]).line : null;
    throw new SourceFileError(`${name}${line ? `:${line}` : ''}: not valid YAML or JSON: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const source: SourceFile = { name, absolute, value: doc.toJS({ maxAliasCount: 100 }) as unknown, lineOf: (p, key) => locate(doc, lineCounter, p, key) };
  // What the server could not store (a NUL written as an escape) is refused here, before anything is sent.
  const unstorable = unstorableIssues(source.value);
  if (unstorable.length) throw new SourceFileError(describeIssues(source, unstorable.map((i) => ({ code: 'custom', path: i.path, message: i.message, input: undefined }) as Issue)));
  return source;
}

function locate(doc: Document, lc: LineCounter, issuePath: PropertyKey[], key?: string): number | null {
  let node: unknown = doc.contents;
  let line: number | null = rangeLine(node, lc);
  for (const part of issuePath) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      // A value that is missing (`key:` with nothing after it) is best reported at its key.
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
    }
    if (next === undefined) break;
    node = next;
    line = rangeLine(node, lc) ?? line;
  }
  if (key && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    if (pair) line = rangeLine(pair.key, lc) ?? line;
  }
  return line;
}

function rangeLine(node: unknown, lc: LineCounter): number | null {
  const range = (node as YamlNode | null)?.range;
  return range ? lc.linePos(range[0]).line : null;
}

/** `prompts[0].messages[1].role` for arrays, dots for mapping keys. */
export function formatPath(p: PropertyKey[]): string {
  return p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

type Issue = z.core.$ZodIssue;

/** A person-sized message for one zod issue: the server's own messages pass through; zod's generic ones are reworded. */
export function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_key':
      return `invalid name: ${issue.issues.map((i) => i.message).join('; ')}`;
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      return issue.message.startsWith('Invalid input') ? `must be ${article(issue.expected)}${received ? ` (got ${received})` : ''}` : issue.message;
    }
    case 'invalid_value':
      return issue.message.startsWith('Invalid') ? `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}` : issue.message;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options?.length) return `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      return issue.message === 'Invalid input' ? 'does not match any allowed form' : issue.message;
    }
    default:
      return issue.message;
  }
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

const MAX_ISSUES = 5;

/**
 * A value that matches no form of a union (a chat message that is neither `role`/`content` nor `include`) is
 * best explained by the form it came closest to: the one with the fewest complaints.
 */
function unwrapUnion(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || !issue.errors.length) return [issue];
  const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  if (!closest.length) return [issue];
  return closest.flatMap((sub) => unwrapUnion({ ...sub, path: [...issue.path, ...sub.path] } as Issue));
}

/**
 * All issues on one line: `slipway.yaml:12: prompts[0].messages: needs at least one message; …`.
 * `prefix` is prepended to issue paths that lie inside a part of the file.
 */
export function describeIssues(source: SourceFile, issues: readonly Issue[], prefix: PropertyKey[] = []): string {
  const located = issues
    .flatMap(unwrapUnion)
    .map((issue) => ({ issue, line: source.lineOf([...prefix, ...issue.path], issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined) }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const parts = located.slice(0, MAX_ISSUES).map(({ issue, line }) => {
    const where = formatPath([...prefix, ...issue.path]);
    return `${source.name}${line ? `:${line}` : ''}: ${where ? `${where}: ` : ''}${issueMessage(issue)}`;
  });
  const more = located.length - MAX_ISSUES;
  return parts.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

export function parseWith<S extends z.ZodType>(schema: S, source: SourceFile, value: unknown = source.value, prefix: PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new SourceFileError(describeIssues(source, result.error.issues, prefix));
  return result.data;
}
