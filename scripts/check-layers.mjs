#!/usr/bin/env node
// Checks that imports between the folders of server/ (and db/, inngest/) go one way, down the layers below: it
// builds the folder graph from every import (type-only imports aside) and prints each import that goes up a layer
// and each cycle. `npm run lint` runs it; exit 1 when there is either.
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

/**
 * The layers, top first: a folder may import its own layer and those below it. Entry points (functions, the API,
 * the CLI) drive the engines (pipelines, rollouts), which send events and call the services; services hold the
 * rules and use the gateway's contract, the executor, evals' pure parts and the libraries at the bottom.
 */
const LAYERS = [
  ['server/main'],
  ['inngest/functions', 'server/api', 'server/cli', 'server/webhooks', 'server/auth/entry'],
  ['server/runtime'],
  ['server/pipelines', 'server/rollouts', 'server/evals/runner'],
  ['inngest'],
  ['server/manifest'],
  ['server/services'],
  ['server/evals', 'server/executor'],
  ['server/gateway'],
  ['server/auth', 'server/outbound', 'server/secrets', 'server/reference-model', 'server/docker', 'server/drift'],
  ['server/lib', 'db'],
];
const rank = (folder) => {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`scripts/check-layers.mjs: ${folder} is in no layer; add it to LAYERS`);
  return i;
};

/** server/services/rollouts/x.ts → "server/services"; inngest/functions/x.ts → "inngest/functions"; db/schema/x.ts → "db". */
function folderOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep);
  // Sign-in and reading a request's actor are entry points, unlike the rest of auth that services use.
  if (['server/auth/next-auth.ts', 'server/auth/request.ts'].includes(rel.join('/'))) return 'server/auth/entry';
  // The eval runner is an engine like pipelines and rollouts; the rest of evals (assertions, statistics, calls) is a library.
  if (rel[0] === 'server' && rel[1] === 'evals' && /^runner/.test(rel[2] ?? '')) return 'server/evals/runner';
  if ((rel[0] === 'server' || rel[0] === 'inngest') && rel.length > 2) return `${rel[0]}/${rel[1]}`;
  // The process's own files: the entry points, and the runtime (database, first admin, demo) functions and routes open.
  if (rel[0] === 'server' && /^(main|gateway-main|seed-main|health)\.ts$/.test(rel[1])) return 'server/main';
  if (rel[0] === 'server' && /^(runtime|bootstrap|seed|seed-[a-z-]+)\.ts$/.test(rel[1])) return 'server/runtime';
  // The other files at server/'s top (env, errors, logger, version) are libraries like server/lib.
  if (rel[0] === 'server') return 'server/lib';
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
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a).add(b);
      const key = `${a} → ${b}`;
      if (!examples.has(key)) examples.set(key, `${path.relative(ROOT, file)} imports ${m[1] ?? m[2]}`);
    }
  }
}

/**
 * Upward imports kept on purpose, each with its reason. Anything else going up fails.
 * - The gateway's snapshot expands prompt includes with the prompt service's resolver, the one reading of prompt
 *   versions. Services reach the gateway's runtime only through its exported functions below them.
 */
const ALLOWED = new Set(['server/gateway → server/services']);

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
    if (ALLOWED.has(`${v} → ${w}`)) continue;
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

const upward = [...examples.keys()].filter((key) => {
  const [a, b] = key.split(' → ');
  return rank(b) < rank(a) && !ALLOWED.has(key);
});
for (const key of upward) console.error(`upward import ${key}  (${examples.get(key)})`);

if (!cycles.length && !upward.length) {
  console.log(`layers: every import goes down a layer, no cycle, across ${new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]).size} folders`);
  process.exit(0);
}
if (!cycles.length) process.exit(1);
for (const comp of cycles) {
  console.error(`import cycle between ${comp.join(', ')}:`);
  for (const a of comp) for (const b of edges.get(a) ?? []) if (comp.includes(b)) console.error(`  ${a} → ${b}  (${examples.get(`${a} → ${b}`)})`);
}
process.exit(1);
