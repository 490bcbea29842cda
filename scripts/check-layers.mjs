#!/usr/bin/env node
// Checks that imports between the folders of server/ (and db/, inngest/) go one way: it builds the folder graph
// from every import and prints each cycle. `npm run lint` runs it; exit 1 when there is a cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOP = ['server', 'db', 'inngest'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|tsx|mts)$/.test(name) ? [p] : [];
  });
}

/** server/services/rollouts/x.ts → "server/services"; server/env.ts → "server"; db/schema/x.ts → "db". */
function folderOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'server' && rel.length > 2) return `server/${rel[1]}`;
  return rel[0];
}

function resolveImport(from, spec) {
  if (spec.startsWith('@/')) return path.join(ROOT, spec.slice(2));
  if (spec.startsWith('.')) return path.resolve(path.dirname(from), spec);
  return null;
}

const edges = new Map();
const examples = new Map();
for (const top of TOP) {
  for (const file of files(path.join(ROOT, top))) {
    const src = readFileSync(file, 'utf8');
    // Type-only imports vanish at build time and create no load-order cycle; they are left out.
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const target = resolveImport(file, m[1] ?? m[2]);
      if (!target || !TOP.some((t) => path.relative(ROOT, target).startsWith(t))) continue;
      const a = folderOf(file);
      const b = folderOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (a === b || b === 'server' || b === 'db') continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a).add(b);
      const key = `${a} → ${b}`;
      if (!examples.has(key)) examples.set(key, `${path.relative(ROOT, file)} imports ${m[1] ?? m[2]}`);
    }
  }
}

// Tarjan's strongly connected components: every component with more than one folder is a cycle.
let index = 0;
const stack = [];
const idx = new Map();
const low = new Map();
const onStack = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
for (const v of edges.keys()) if (!idx.has(v)) visit(v);

if (!cycles.length) {
  console.log(`layers: no import cycle between ${new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]).size} folders`);
  process.exit(0);
}
for (const comp of cycles) {
  console.error(`import cycle between ${comp.join(', ')}:`);
  for (const a of comp) for (const b of edges.get(a) ?? []) if (comp.includes(b)) console.error(`  ${a} → ${b}  (${examples.get(`${a} → ${b}`)})`);
}
process.exit(1);
