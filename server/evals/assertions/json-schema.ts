// A compact JSON Schema validator for the keywords output checks use: type, properties, required, items,
// additionalProperties, enum, const, minimum/maximum (and exclusive), minLength/maxLength, pattern,
// minItems/maxItems, anyOf/oneOf/allOf, and local $ref (#/…). Other keywords are ignored, as the
// specification allows for unknown ones. Errors name the JSON path (`$.items[2].name: must be a string`).

type Schema = Record<string, unknown>;

const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;
const MAX_ERRORS = 5;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return typeOf(v) === type;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node && typeof node === 'object' ? (node as Schema) : undefined;
}

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
};

function check(value: unknown, schema: unknown, at: string, root: Schema, errors: string[], depth: number): void {
  if (errors.length >= MAX_ERRORS || schema === true || schema === undefined) return;
  if (schema === false) {
    errors.push(`${at}: is not allowed`);
    return;
  }
  if (!schema || typeof schema !== 'object' || depth > 32) return;
  const s = schema as Schema;
  if (typeof s.$ref === 'string') {
    const target = resolveRef(root, s.$ref);
    if (!target) errors.push(`${at}: the schema's $ref ${s.$ref} cannot be resolved`);
    else check(value, target, at, root, errors, depth + 1);
    return;
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${at}: must be ${types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(' or ')}, not ${typeOf(value)}`);
      return;
    }
  }
  if ('const' in s && !deepEqual(value, s.const)) errors.push(`${at}: must be ${short(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(value, e))) errors.push(`${at}: must be one of ${s.enum.map(short).join(', ')}`);

  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${at}: must be at least ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${at}: must be at most ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) errors.push(`${at}: must be greater than ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) errors.push(`${at}: must be less than ${s.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) errors.push(`${at}: must be at least ${s.minLength} characters long`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) errors.push(`${at}: must be at most ${s.maxLength} characters long`);
    if (typeof s.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        errors.push(`${at}: the schema's pattern ${short(s.pattern)} is not a valid regular expression`);
      }
      if (re && !re.test(value)) errors.push(`${at}: must match ${short(s.pattern)}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${at}: must have at least ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${at}: must have at most ${s.maxItems} items`);
    if (Array.isArray(s.items)) value.forEach((v, i) => check(v, (s.items as unknown[])[i], `${at}[${i}]`, root, errors, depth + 1));
    else if (s.items !== undefined) value.forEach((v, i) => check(v, s.items, `${at}[${i}]`, root, errors, depth + 1));
  }
  if (matchesType(value, 'object')) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, unknown>;
    if (Array.isArray(s.required)) for (const k of s.required as string[]) if (!Object.hasOwn(obj, k)) errors.push(`${at}: must have the property ${JSON.stringify(k)}`);
    for (const [k, v] of Object.entries(obj)) {
      const path = /^[A-Za-z_$][\w$]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`;
      if (Object.hasOwn(props, k)) check(v, props[k], path, root, errors, depth + 1);
      else if (s.additionalProperties === false) errors.push(`${path}: is not an allowed property`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(v, s.additionalProperties, path, root, errors, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) check(value, sub, at, root, errors, depth + 1);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = s[k];
    if (!Array.isArray(options)) continue;
    const passing = options.filter((sub) => {
      const e: string[] = [];
      check(value, sub, at, root, e, depth + 1);
      return e.length === 0;
    }).length;
    if (k === 'anyOf' && passing === 0) errors.push(`${at}: matches none of the anyOf schemas`);
    if (k === 'oneOf' && passing !== 1) errors.push(`${at}: must match exactly one of the oneOf schemas (matches ${passing})`);
  }
}

/** Checks a value against a schema: the problems found (at most five), none when it conforms. */
export function validateJsonSchema(value: unknown, schema: Record<string, unknown>): string[] {
  const errors: string[] = [];
  check(value, schema, '$', schema, errors, 0);
  return errors;
}

/** Checks that a schema is usable: the keywords this validator reads have the right shapes. */
export function schemaProblems(schema: unknown, at = ''): string[] {
  if (typeof schema === 'boolean') return [];
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [`${at || '(schema)'}: must be a JSON schema (an object)`];
  const s = schema as Schema;
  const out: string[] = [];
  const here = (k: string) => (at ? `${at}.${k}` : k);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.length || !types.every((t) => (TYPES as readonly unknown[]).includes(t))) out.push(`${here('type')}: must be one of ${TYPES.join(', ')} (or a list of them)`);
  }
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) if (s[k] !== undefined && typeof s[k] !== 'number') out.push(`${here(k)}: must be a number`);
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems'])
    if (s[k] !== undefined && (typeof s[k] !== 'number' || !Number.isInteger(s[k]) || (s[k] as number) < 0)) out.push(`${here(k)}: must be a whole number at least 0`);
  if (s.pattern !== undefined) {
    try {
      if (typeof s.pattern !== 'string') throw new Error('not a string');
      new RegExp(s.pattern, 'u');
    } catch {
      out.push(`${here('pattern')}: must be a valid regular expression`);
    }
  }
  if (s.required !== undefined && (!Array.isArray(s.required) || !s.required.every((r) => typeof r === 'string'))) out.push(`${here('required')}: must be a list of property names`);
  if (s.enum !== undefined && !Array.isArray(s.enum)) out.push(`${here('enum')}: must be a list`);
  if (s.properties !== undefined) {
    if (!s.properties || typeof s.properties !== 'object' || Array.isArray(s.properties)) out.push(`${here('properties')}: must be an object of schemas`);
    else for (const [k, sub] of Object.entries(s.properties)) out.push(...schemaProblems(sub, `${here('properties')}.${k}`));
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) s.items.forEach((sub, i) => out.push(...schemaProblems(sub, `${here('items')}[${i}]`)));
    else out.push(...schemaProblems(s.items, here('items')));
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') out.push(...schemaProblems(s.additionalProperties, here('additionalProperties')));
  for (const k of ['anyOf', 'oneOf', 'allOf']) {
    if (s[k] === undefined) continue;
    if (!Array.isArray(s[k]) || !(s[k] as unknown[]).length) out.push(`${here(k)}: must be a non-empty list of schemas`);
    else (s[k] as unknown[]).forEach((sub, i) => out.push(...schemaProblems(sub, `${here(k)}[${i}]`)));
  }
  if (s.$ref !== undefined && (typeof s.$ref !== 'string' || !s.$ref.startsWith('#'))) out.push(`${here('$ref')}: only local references (#/…) are supported`);
  return out;
}
