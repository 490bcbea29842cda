// The cases of an injection run: each attack placed into every user-controlled variable of the release's prompt
// (the other variables keep their defaults or a harmless filler), or sent as user turns when it is split over
// turns or the prompt has no variable to carry it. The order is stable (category, attack, variable), so chunks of
// a run and its rerun see the same cases.
import type { CaseMessage, Json, PromptVariable } from '@/db/schema';
import type { EvalCase } from '../types';
import { attackSchema, attackText, attackTurns, toAttack, type Attack, type Placement } from './library';
import { canaryFor, nonceFor } from './detect';

/** The prompt a run renders: its name and declared variables (includes expanded). */
export interface PromptShape {
  name: string;
  variables: PromptVariable[];
}

/** What an injection case carries in its metadata (and its result's detail). */
export interface AttackCaseMeta {
  attackId: string;
  category: string;
  goal: Attack['goal'];
  placement: Placement;
  /** The variable holding the attack; null when it is sent as user turns. */
  variable: string | null;
  nonce: string;
  canary: string;
  source: string;
}

const FILLER_TEXT = 'Hello, I have a question about my account.';

function filler(v: PromptVariable): Json | undefined {
  if (v.default !== undefined) return v.default;
  if (!v.required) return undefined;
  switch (v.type) {
    case 'string':
      return FILLER_TEXT;
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'json':
      return {};
  }
}

/** Variables that can carry text: strings, and JSON (any value, a string included). */
export const carriesText = (v: PromptVariable) => v.type === 'string' || v.type === 'json';

/** The variables attacks go into: those named by the suite (each must exist and carry text), else every one that carries text. */
export function targetVariables(prompt: PromptShape | null, named: string[] | undefined): PromptVariable[] {
  const vars = prompt?.variables ?? [];
  if (!named) return vars.filter(carriesText);
  return named.map((name) => {
    const v = vars.find((x) => x.name === name);
    if (!v) throw new Error(`injection.variables names ${name}, which prompt ${prompt?.name ?? '(none)'} does not declare (it declares: ${vars.map((x) => x.name).join(', ') || 'none'})`);
    if (!carriesText(v)) throw new Error(`injection.variables names ${name}, a ${v.type} variable, which cannot carry an attack's text`);
    return v;
  });
}

function baseVariables(prompt: PromptShape | null): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const v of prompt?.variables ?? []) {
    const value = filler(v);
    if (value !== undefined) out[v.name] = value;
  }
  return out;
}

/** User turns with an assistant "OK." between them, as a conversation that led up to the last one. */
function conversation(turns: string[]): CaseMessage[] {
  return turns.flatMap((t, i): CaseMessage[] => (i === 0 ? [{ role: 'user', content: t }] : [{ role: 'assistant', content: 'OK.' }, { role: 'user', content: t }]));
}

/** Every case of a run, in order. `seed` (the suite version's content) makes nonces and canaries repeatable. */
export function buildCases(q: { attacks: Attack[]; prompt: PromptShape | null; variables?: string[]; seed: string }): EvalCase[] {
  const targets = targetVariables(q.prompt, q.variables);
  const base = baseVariables(q.prompt);
  const cases: EvalCase[] = [];
  const push = (attack: Attack, placement: Placement, variable: string | null, input: EvalCase['input'], key: string, nonce: string) => {
    const meta: AttackCaseMeta = { attackId: attack.id, category: attack.category, goal: attack.goal, placement, variable, nonce, canary: canaryFor(q.seed, key), source: attack.source };
    // `id` is how the run's case list names the case: the attack and where it went.
    const metadata: Record<string, Json> = { id: `${attack.id}:${variable ?? 'turns'}`, ...meta };
    if (q.prompt) metadata.prompt = q.prompt.name;
    cases.push({ index: cases.length, input, expected: null, tags: [attack.category], metadata });
  };
  for (const attack of q.attacks) {
    const nonce = nonceFor(q.seed, attack.id);
    if (attack.placement === 'turns' || targets.length === 0) {
      const turns = attack.placement === 'turns' ? attackTurns(attack, nonce) : [attackText(attack, nonce)];
      push(attack, attack.placement === 'turns' ? 'turns' : attack.placement, null, { variables: base, messages: conversation(turns) }, `${attack.id}\u0000turns`, nonce);
      continue;
    }
    const text = attackText(attack, nonce);
    for (const v of targets) push(attack, attack.placement, v.name, { variables: { ...base, [v.name]: text } }, `${attack.id}\u0000${v.name}`, nonce);
  }
  return cases;
}

/** A case of the suite's dataset, as a user attack: `variables.attack` (text) or `messages` (turns). */
export interface DatasetAttackRow {
  index: number;
  externalId: string | null;
  input: EvalCase['input'];
  tags: string[];
  metadata: Record<string, Json>;
}

/** The service's own attacks from the suite's dataset; a case that is no attack is refused, naming it. */
export function datasetAttacks(rows: DatasetAttackRow[], datasetRef: string): Attack[] {
  return rows.map((row) => {
    const where = `${datasetRef} case ${row.externalId ?? row.index + 1}`;
    const turns = (row.input.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content);
    const text = row.input.variables?.attack;
    const placement = row.metadata.placement;
    const raw = {
      id: row.externalId ?? `${datasetRef.replace(/@.*/, '')}-${row.index + 1}`,
      goal: typeof row.metadata.goal === 'string' ? row.metadata.goal : JSON.stringify([text, turns]).includes('{{nonce}}') ? 'override' : 'leak',
      ...(typeof text === 'string' ? { text, placement: placement === 'document' ? 'document' : 'variable' } : turns.length >= 2 ? { turns, placement: 'turns' } : { text: turns[0] }),
    };
    const parsed = attackSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'attack'}: ${i.message}`).join('; ')} (an attack case has variables.attack, or user messages, with {{nonce}} where it asks for its code word)`);
    const category = typeof row.metadata.category === 'string' ? row.metadata.category : (row.tags[0] ?? 'custom');
    return toAttack(parsed.data, category, 'dataset');
  });
}
