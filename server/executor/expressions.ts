// The expressions Inngest functions carry, evaluated the way the Inngest server does: a subset of the Common
// Expression Language (CEL) over `event` and `async` — trigger `if` filters, `waitForEvent` match and `if`,
// `cancelOn`, and the keys of `concurrency` and `idempotency`. Supported: literals (numbers, strings, true, false,
// null, lists, maps), field and index access, == != < <= > >= in, && || !, + - * / %, ?:, and the functions
// has(), size(), string(), int(), double(), startsWith(), endsWith(), contains(), matches(), lowerAscii(),
// upperAscii(). As in CEL, reading a missing field is an error, and a condition that errors does not match.

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'member'; obj: Node; name: string }
  | { k: 'index'; obj: Node; index: Node }
  | { k: 'call'; name: string; target: Node | null; args: Node[] }
  | { k: 'unary'; op: '!' | '-'; arg: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'cond'; test: Node; then: Node; else: Node }
  | { k: 'list'; items: Node[] }
  | { k: 'map'; entries: [Node, Node][] };

type Token = { t: 'num' | 'str' | 'ident' | 'op' | 'end'; v: string; num?: number; pos: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][+-]?\d+)?[uU]?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0], num: Number(m[0].replace(/[uU]$/, '')), pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (e === undefined || !(e in map)) throw new ExpressionError(`unknown escape at ${j}`);
          s += map[e];
          j += 2;
        } else {
          s += src[j];
          j++;
        }
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string at ${i}`);
      out.push({ t: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected "${c}" at ${i}`);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.conditional();
    if (this.peek().t !== 'end') throw new ExpressionError(`unexpected "${this.peek().v}" at ${this.peek().pos}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new ExpressionError(`expected "${v}" at ${this.peek().pos}`);
    this.i++;
  }

  private conditional(): Node {
    const test = this.or();
    if (!this.isOp('?')) return test;
    this.i++;
    const then = this.conditional();
    this.expect(':');
    return { k: 'cond', test, then, else: this.conditional() };
  }
  private or(): Node {
    let left = this.and();
    while (this.isOp('||')) {
      this.i++;
      left = { k: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.relation();
    while (this.isOp('&&')) {
      this.i++;
      left = { k: 'binary', op: '&&', left, right: this.relation() };
    }
    return left;
  }
  private relation(): Node {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      const op = t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v) ? t.v : t.t === 'ident' && t.v === 'in' ? 'in' : null;
      if (!op) return left;
      this.i++;
      left = { k: 'binary', op, left, right: this.additive() };
    }
  }
  private additive(): Node {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().v;
      left = { k: 'binary', op, left, right: this.multiplicative() };
    }
    return left;
  }
  private multiplicative(): Node {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next().v;
      left = { k: 'binary', op, left, right: this.unary() };
    }
    return left;
  }
  private unary(): Node {
    if (this.isOp('!') || this.isOp('-')) {
      const op = this.next().v as '!' | '-';
      return { k: 'unary', op, arg: this.unary() };
    }
    return this.member();
  }
  private member(): Node {
    let node = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const name = this.next();
        if (name.t !== 'ident') throw new ExpressionError(`expected a field name at ${name.pos}`);
        if (this.isOp('(')) {
          node = { k: 'call', name: name.v, target: node, args: this.args() };
        } else {
          node = { k: 'member', obj: node, name: name.v };
        }
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.conditional();
        this.expect(']');
        node = { k: 'index', obj: node, index };
      } else {
        return node;
      }
    }
  }
  private args(): Node[] {
    this.expect('(');
    const args: Node[] = [];
    if (!this.isOp(')')) {
      do {
        args.push(this.conditional());
      } while (this.isOp(',') && this.next());
    }
    this.expect(')');
    return args;
  }
  private primary(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.num };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'ident') {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (this.isOp('(')) return { k: 'call', name: t.v, target: null, args: this.args() };
      return { k: 'ident', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const inner = this.conditional();
      this.expect(')');
      return inner;
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Node[] = [];
      if (!this.isOp(']')) {
        do {
          items.push(this.conditional());
        } while (this.isOp(',') && this.next());
      }
      this.expect(']');
      return { k: 'list', items };
    }
    if (t.t === 'op' && t.v === '{') {
      const entries: [Node, Node][] = [];
      if (!this.isOp('}')) {
        do {
          const key = this.conditional();
          this.expect(':');
          entries.push([key, this.conditional()]);
        } while (this.isOp(',') && this.next());
      }
      this.expect('}');
      return { k: 'map', entries };
    }
    throw new ExpressionError(t.t === 'end' ? 'unexpected end of expression' : `unexpected "${t.v}" at ${t.pos}`);
  }
}

const cache = new Map<string, Node>();

/** Parses an expression (cached); throws ExpressionError on a syntax error. */
export function compileExpression(src: string): Node {
  let node = cache.get(src);
  if (!node) {
    node = new Parser(tokenize(src)).parse();
    if (cache.size > 1000) cache.clear();
    cache.set(src, node);
  }
  return node;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
    throw new ExpressionError(`cannot compare ${typeName(a)} and ${typeName(b)}`);
  }
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'list' : isRecord(v) ? 'map' : typeof v);

function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ExpressionError(`expected a boolean, got ${typeName(v)}`);
  return v;
}
function num(v: unknown): number {
  if (typeof v !== 'number') throw new ExpressionError(`expected a number, got ${typeName(v)}`);
  return v;
}
function str(v: unknown): string {
  if (typeof v !== 'string') throw new ExpressionError(`expected a string, got ${typeName(v)}`);
  return v;
}

function field(obj: unknown, name: string): unknown {
  if (isRecord(obj) && Object.hasOwn(obj, name)) return obj[name];
  throw new ExpressionError(`no such field "${name}"`);
}

function evalNode(n: Node, vars: Record<string, unknown>): unknown {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'ident':
      if (!Object.hasOwn(vars, n.name)) throw new ExpressionError(`unknown variable "${n.name}"`);
      return vars[n.name];
    case 'member':
      return field(evalNode(n.obj, vars), n.name);
    case 'index': {
      const obj = evalNode(n.obj, vars);
      const idx = evalNode(n.index, vars);
      if (Array.isArray(obj) && typeof idx === 'number') {
        if (!Number.isInteger(idx) || idx < 0 || idx >= obj.length) throw new ExpressionError(`index ${idx} out of range`);
        return obj[idx];
      }
      if (typeof idx === 'string') return field(obj, idx);
      throw new ExpressionError(`cannot index ${typeName(obj)} with ${typeName(idx)}`);
    }
    case 'list':
      return n.items.map((i) => evalNode(i, vars));
    case 'map':
      return Object.fromEntries(n.entries.map(([k, v]) => [String(evalNode(k, vars)), evalNode(v, vars)]));
    case 'unary': {
      const v = evalNode(n.arg, vars);
      return n.op === '!' ? !bool(v) : -num(v);
    }
    case 'cond':
      return bool(evalNode(n.test, vars)) ? evalNode(n.then, vars) : evalNode(n.else, vars);
    case 'binary':
      return evalBinary(n.op, n.left, n.right, vars);
    case 'call':
      return evalCall(n, vars);
  }
}

function evalBinary(op: string, l: Node, r: Node, vars: Record<string, unknown>): unknown {
  if (op === '&&' || op === '||') {
    // CEL's logical operators absorb an error on one side when the other side decides the result.
    const short = op === '||';
    let left: boolean | ExpressionError;
    try {
      left = bool(evalNode(l, vars));
    } catch (e) {
      left = e instanceof ExpressionError ? e : new ExpressionError(String(e));
    }
    if (left === short) return short;
    const right = bool(evalNode(r, vars));
    if (right === short) return short;
    if (left instanceof ExpressionError) throw left;
    return !short;
  }
  const a = evalNode(l, vars);
  const b = evalNode(r, vars);
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, a, b);
    case 'in':
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (isRecord(b)) return typeof a === 'string' && Object.hasOwn(b, a);
      throw new ExpressionError(`"in" needs a list or a map, got ${typeName(b)}`);
    case '+':
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return num(a) + num(b);
    case '-':
      return num(a) - num(b);
    case '*':
      return num(a) * num(b);
    case '/':
      if (num(b) === 0) throw new ExpressionError('division by zero');
      return num(a) / num(b);
    default:
      if (num(b) === 0) throw new ExpressionError('modulus by zero');
      return num(a) % num(b);
  }
}

function evalCall(n: Extract<Node, { k: 'call' }>, vars: Record<string, unknown>): unknown {
  if (n.name === 'has' && !n.target) {
    const arg = n.args[0];
    if (n.args.length !== 1 || !arg || arg.k !== 'member') throw new ExpressionError('has() takes a field selection such as has(event.data.id)');
    const obj = evalNode(arg.obj, vars);
    return isRecord(obj) && Object.hasOwn(obj, arg.name);
  }
  const target = n.target ? evalNode(n.target, vars) : undefined;
  const args = n.args.map((a) => evalNode(a, vars));
  const subject = n.target ? target : args.shift();
  switch (n.name) {
    case 'size':
      if (typeof subject === 'string' || Array.isArray(subject)) return subject.length;
      if (isRecord(subject)) return Object.keys(subject).length;
      throw new ExpressionError(`size() of ${typeName(subject)}`);
    case 'string':
      return typeof subject === 'string' ? subject : JSON.stringify(subject);
    case 'int':
      return Math.trunc(typeof subject === 'string' ? Number(subject) : num(subject));
    case 'double':
      return typeof subject === 'string' ? Number(subject) : num(subject);
    case 'startsWith':
      return str(subject).startsWith(str(args[0]));
    case 'endsWith':
      return str(subject).endsWith(str(args[0]));
    case 'contains':
      return str(subject).includes(str(args[0]));
    case 'matches':
      return new RegExp(str(args[0])).test(str(subject));
    case 'lowerAscii':
      return str(subject).toLowerCase();
    case 'upperAscii':
      return str(subject).toUpperCase();
    default:
      throw new ExpressionError(`unknown function ${n.name}()`);
  }
}

/** The value of an expression; throws ExpressionError when it cannot be parsed or evaluated. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  return evalNode(compileExpression(src), vars);
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
