// JSON typed into forms (params, schemas, config): parsed in the browser so a typo is named at its field
// before anything is sent; the server still validates the shape.
import type { Json } from '@/db/schema';

export type JsonObject = Record<string, Json>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A JSON object from a textarea; blank text means `blank` (an empty object or null, as the field allows). */
export function parseJsonObject<B extends JsonObject | null>(text: string, blank: B): Parsed<JsonObject | B> {
  if (!text.trim()) return { ok: true, value: blank };
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'must be a JSON object, e.g. {"temperature": 0.2}' };
    return { ok: true, value: value as JsonObject };
  } catch (e) {
    return { ok: false, error: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** One value as short text for tables of changes. */
export function inline(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
