// YAML with positions: parse a document and find the line of any value by its path, so validation errors
// can point at the line to fix.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export type YamlParse = { ok: true; value: unknown; lineOf: (path: PropertyKey[]) => number | null } | { ok: false; line: number | null; message: string };

export function parseYamlWithLines(text: string): YamlParse {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    return { ok: false, line: problem.pos ? lc.linePos(problem.pos[0]).line : null, message: problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown, lineOf: (path) => lineOf(doc, lc, path) };
}

function lineOf(doc: Document, lc: LineCounter, path: PropertyKey[]): number | null {
  let node: unknown = doc.contents;
  let line = rangeLine(node, lc);
  for (const part of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
    }
    if (next === undefined) break;
    node = next;
    line = rangeLine(node, lc) ?? line;
  }
  return line;
}

function rangeLine(node: unknown, lc: LineCounter): number | null {
  const range = (node as YamlNode | null)?.range;
  return range ? lc.linePos(range[0]).line : null;
}
