// The expressions Inngest functions carry — trigger `if` filters, `waitForEvent` match and `if`, `cancelOn`, and
// the keys of `concurrency` and `idempotency` — evaluated as the Common Expression Language (CEL) by
// @bufbuild/cel, as the Inngest server evaluates them, over `event` and `async`. Event data is JSON: objects
// become CEL maps and every number a double (so `event.data.amount > 100` holds, and arithmetic on event fields
// is written with doubles, `event.data.n + 1.0`). As in CEL, reading a missing field is an error, and a condition
// that errors does not match.
import { celEnv, isCelError, isCelList, isCelMap, isCelUint, parse, plan, type CelInput, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Program = ReturnType<typeof plan>;

const env = celEnv({ funcs: strings });
const cache = new Map<string, Program>();

/** Parses and plans an expression once; throws ExpressionError naming what is wrong. */
export function compileExpression(src: string): Program {
  let program = cache.get(src);
  if (!program) {
    try {
      program = plan(env, parse(src));
    } catch (err) {
      throw new ExpressionError(`cannot parse "${src}": ${err instanceof Error ? err.message : String(err)}`);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(src, program);
  }
  return program;
}

/** JSON (event payloads) as CEL input: objects as maps, arrays as lists, numbers as doubles. */
function toCel(v: unknown): CelInput {
  if (Array.isArray(v)) return v.map(toCel);
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (v === undefined) return null;
  return v as CelInput;
}

/** A CEL value as plain JSON-like JavaScript. */
function fromCel(v: CelValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (isCelUint(v)) return Number(v.value);
  if (isCelList(v)) return [...v].map((x) => fromCel(x));
  if (isCelMap(v)) return Object.fromEntries([...v].map(([k, x]) => [String(fromCel(k as CelValue)), fromCel(x)]));
  return v;
}

/** The value of an expression; throws ExpressionError when it cannot be parsed or evaluated. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  const program = compileExpression(src);
  const bindings = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, toCel(v)]));
  const result = program(bindings);
  if (isCelError(result)) throw new ExpressionError(result.message);
  return fromCel(result);
}

/** Whether a condition holds: true only when it evaluates to exactly `true`; errors count as no match. */
export function holds(src: string, vars: Record<string, unknown>): boolean {
  try {
    return evaluate(src, vars) === true;
  } catch {
    return false;
  }
}

/** A concurrency or idempotency key: the expression's value as a string, or null when it cannot be evaluated. */
export function keyOf(src: string, vars: Record<string, unknown>): string | null {
  try {
    const v = evaluate(src, vars);
    if (v === null || v === undefined) return null;
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return null;
  }
}
