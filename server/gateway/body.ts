// Request and response bodies on the gateway's hot path, touched only as far as needed. A request body is
// forwarded as the caller's own bytes with only what Slipway changes spliced in (the model name replaced, the
// release's defaults for parameters the caller left out added), instead of being re-serialised; an answer is
// read only for what telemetry records: usage found by scanning from its end, stream events by looking for
// their few fields without parsing each one.

/** One top-level member of a JSON object: its (decoded) key and the byte range of its value. */
interface Member {
  key: string;
  valueStart: number;
  valueEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(raw: Uint8Array, i: number): number {
  while (i < raw.length && isSpace(raw[i])) i++;
  return i;
}

/** From the opening quote of a string to just past its closing quote; -1 when it never closes. */
function skipString(raw: Uint8Array, i: number): number {
  for (i += 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Just past one JSON value starting at i (a string, an object or array with all it holds, or a literal). */
function skipValue(raw: Uint8Array, i: number): number {
  const c = raw[i];
  if (c === QUOTE) return skipString(raw, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < raw.length) {
      const d = raw[i]!;
      if (d === QUOTE) {
        i = skipString(raw, i);
        if (i < 0) return -1;
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  while (i < raw.length && raw[i] !== 0x2c && raw[i] !== 0x7d && raw[i] !== 0x5d && !isSpace(raw[i])) i++;
  return i;
}

/**
 * The top-level members of a JSON object text, or null when it is not one. Keys are decoded when they hold
 * escapes, so "mod\u0065l" is the model field as JSON.parse reads it (a caller cannot slip a model past us).
 */
export function topLevelMembers(raw: Uint8Array): { open: number; members: Member[] } | null {
  let i = skipSpace(raw, 0);
  if (raw[i] !== 0x7b) return null;
  const open = i;
  const members: Member[] = [];
  i = skipSpace(raw, i + 1);
  if (raw[i] === 0x7d) return { open, members };
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (;;) {
    if (raw[i] !== QUOTE) return null;
    const keyEnd = skipString(raw, i);
    if (keyEnd < 0) return null;
    let key = text.toString('utf8', i + 1, keyEnd - 1);
    if (key.includes('\\')) key = JSON.parse(text.toString('utf8', i, keyEnd)) as string;
    i = skipSpace(raw, keyEnd);
    if (raw[i] !== 0x3a) return null;
    const valueStart = skipSpace(raw, i + 1);
    const valueEnd = skipValue(raw, valueStart);
    if (valueEnd <= valueStart) return null;
    members.push({ key, valueStart, valueEnd });
    i = skipSpace(raw, valueEnd);
    if (raw[i] === 0x2c) {
      i = skipSpace(raw, i + 1);
      continue;
    }
    return raw[i] === 0x7d ? { open, members } : null;
  }
}

export interface BodyChanges {
  /** The upstream's model name, replacing the caller's. */
  model: string;
  /** Parameters the caller did not set, added with these values (the release's defaults). */
  defaults?: Record<string, unknown>;
  /** For a streamed call: ask the upstream for usage in its last event (stream_options.include_usage). */
  streamUsage?: boolean;
}

/**
 * The body to send upstream: the caller's bytes themselves when nothing changes, else those bytes with the
 * changes spliced in. `parsed` is the same body parsed (to see which parameters the caller set). Null when
 * splicing cannot express the change (the caller's stream_options lacks include_usage): then serialise anew.
 */
export function spliceBody(raw: Buffer, parsed: Record<string, unknown>, changes: BodyChanges): Buffer | null {
  const found = topLevelMembers(raw);
  if (!found) return null;
  const model = JSON.stringify(changes.model);
  const inserts: string[] = [];
  const replaced: { start: number; end: number; text: string }[] = [];
  let hasModel = false;
  for (const m of found.members) {
    if (m.key !== 'model') continue;
    hasModel = true;
    if (raw.toString('utf8', m.valueStart, m.valueEnd) !== model) replaced.push({ start: m.valueStart, end: m.valueEnd, text: model });
  }
  if (!hasModel) inserts.push(`"model":${model}`);
  for (const [k, v] of Object.entries(changes.defaults ?? {})) {
    // The model is Slipway's to set, never a default's.
    if (k !== 'model' && !Object.hasOwn(parsed, k) && v !== undefined) inserts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  if (changes.streamUsage && parsed.stream === true) {
    const options = parsed.stream_options as { include_usage?: unknown } | null | undefined;
    if (options === undefined || options === null) {
      if (options === null) return null;
      inserts.push('"stream_options":{"include_usage":true}');
    } else if (options.include_usage !== true) return null;
  }
  if (!inserts.length && !replaced.length) return raw;
  const parts: Buffer[] = [raw.subarray(0, found.open + 1)];
  if (inserts.length) parts.push(Buffer.from(inserts.join(',') + (found.members.length ? ',' : '')));
  let at = found.open + 1;
  for (const r of replaced) {
    parts.push(raw.subarray(at, r.start), Buffer.from(r.text));
    at = r.end;
  }
  parts.push(raw.subarray(at));
  return Buffer.concat(parts);
}

export interface TokenUsage {
  input: number | null;
  output: number | null;
}

const USAGE = Buffer.from('"usage"');

/**
 * The `usage` object of an answer, found from its end (where OpenAI-style servers put it) and parsed alone, so
 * an embeddings answer's vectors are never parsed. Reads prompt/completion (chat, completions, embeddings) and
 * input/output (responses) token names. Null when there is none.
 */
export function tailUsage(body: Buffer): TokenUsage | null {
  let at = body.lastIndexOf(USAGE);
  // A "usage" inside a string would be escaped (\"usage\"): only a real key is followed by a colon.
  while (at > 0) {
    let i = skipSpace(body, at + USAGE.length);
    if (body[i] === 0x3a && body[at - 1] !== BACKSLASH) {
      i = skipSpace(body, i + 1);
      const end = body[i] === 0x7b ? skipValue(body, i) : -1;
      if (end < 0) return null;
      try {
        return usageOf(JSON.parse(body.toString('utf8', i, end)));
      } catch {
        return null;
      }
    }
    at = body.lastIndexOf(USAGE, at - 1);
  }
  return null;
}

export function usageOf(u: unknown): TokenUsage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { input: num(o.prompt_tokens) ?? num(o.input_tokens), output: num(o.completion_tokens) ?? num(o.output_tokens) ?? (num(o.prompt_tokens) !== null ? 0 : null) };
}

/**
 * The string value of the first `"<field>":` in a JSON text (an SSE event's data), without parsing the rest;
 * null when the field is absent or not a string. Escaped text is decoded with JSON.parse of that string alone.
 */
export function stringField(text: string, field: string, from = 0): string | null {
  return stringAfter(text, `"${field}":`, from);
}

/** stringField with the `"<field>":` needle made once by the caller (the stream path reads every event). */
export function stringAfter(text: string, needle: string, from = 0): string | null {
  let at = text.indexOf(needle, from);
  if (at < 0) return null;
  at += needle.length;
  while (text.charCodeAt(at) === 0x20) at++;
  if (text.charCodeAt(at) !== QUOTE) return null;
  let i = at + 1;
  let escaped = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    } else if (c === QUOTE) break;
  }
  if (i >= text.length) return null;
  if (!escaped) return text.slice(at + 1, i);
  try {
    return JSON.parse(text.slice(at, i + 1)) as string;
  } catch {
    return null;
  }
}
