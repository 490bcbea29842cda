// How the reference model reads injected instructions: a stand-in for a real model's weakness, not a classifier.
// It knows the usual override phrasings (in a dozen languages), requests for its system prompt (verbatim or
// encoded), role-play and "developer mode" framings, fake chat markup, tool-call hijacks, attacks hidden in
// base64, hex, rot13, leetspeak, homoglyphs or reversed text, and payloads split over several user turns. What it
// recognises is what the injection gate's built-in attacks use (a unit test holds every attack to it).
import { decodedViews, encode, type Encoding, type View } from '@/server/lib/encodings';

export interface Injection {
  /** The attack phrase found, e.g. "Ignore all previous instructions". */
  phrase: string;
  /** What the attacker wants said verbatim, when the attack names it (`say "PWNED"`, `reply with OK_7F3`). */
  payload?: string;
  /** The attack asks for the system prompt. */
  wantsSystemPrompt: boolean;
  /** How the attack wants the system prompt written out, when it asks for an encoding. */
  leakEncoding?: Encoding;
  /** The rest of the attack, for instructions that are neither a payload nor a prompt leak. */
  instruction: string;
  /** How the attack was hidden (`base64`, `leet`, `split` …), when it was. */
  hiddenAs?: View['form'] | 'split';
}

interface Pattern {
  re: RegExp;
  /** Only in text a user sent (a system prompt may well say "System:" or name its tools), but see detectIn. */
  userOnly?: boolean;
  /** Counts only when the attack also names a code word to say (tool names are ordinary words otherwise). */
  needsPayload?: boolean;
}

const PROMPT_NAMES = String.raw`system prompt|system message|initial instructions|hidden instructions|original instructions|your instructions|your prompt`;

const PATTERNS: readonly Pattern[] = [
  { re: /\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|original|all|any|your|the|system)\b[^.\n]{0,30}?\b(?:instructions?|rules|guidelines|directions|prompts?|directives|constraints)\b/i },
  { re: new RegExp(String.raw`\b(?:reveal|print|show|repeat|output|leak|display|share|tell me|what is|what are)\b[^.\n]{0,30}?\b(?:${PROMPT_NAMES})\b`, 'i') },
  { re: new RegExp(String.raw`\b(?:translate|spell(?: out)?|write|encode|summari[sz]e|dump|quote)\b[^.\n]{0,30}?\b(?:${PROMPT_NAMES})\b`, 'i') },
  { re: /\b(?:repeat|print|output|show|write|copy)\b[^.\n]{0,20}\b(?:everything|all(?: the)? text|the text|the words)\s+above\b/i },
  { re: /\b(?:code|token|secret|password|key)\b[^.\n]{0,30}\b(?:in|from|of)\s+(?:your|the)\s+(?:system prompt|system message|instructions|prompt)\b/i },
  { re: /\bnew instructions\s*:/i },
  { re: /\byou are now\b[^.\n]{0,40}\b(?:DAN|jailbroken|unrestricted|unfiltered|free of)\b/i },
  { re: /\b(?:developer|god|debug) mode\b[^.\n]{0,20}\b(?:enabled|activated|on)\b/i },
  {
    re: /\b(?:you are|you're|act as|pretend|imagine|simulate|role-?play|if you were|(?:story|scenario|game) (?:where|in which))\b[^\n]{0,80}?\b(?:DAN|jailbroken|unrestricted|unfiltered|no (?:rules|restrictions|limits)|without (?:any )?(?:rules|restrictions|limits|guidelines|filters)|free of (?:all |its |any )?(?:limits|rules|restrictions|guidelines)|evil twin|rogue AI)\b/i,
  },
  // Other languages: "ignore (all) previous instructions".
  { re: /\bignorez?\b[^.\n]{0,40}\binstructions\b/i },
  { re: /\bignora\b[^.\n]{0,40}\b(?:instrucciones|istruzioni)\b/i },
  { re: /\bignore\b[^.\n]{0,40}instru[çc][õo]es/i },
  { re: /\bignorier(?:e|en)?\b[^.\n]{0,40}\banweisungen\b/i },
  { re: /\bnegeer\b[^.\n]{0,40}\binstructies\b/i },
  { re: /\bzignoruj\b[^.\n]{0,40}\binstrukcje\b/i },
  { re: /игнорируй[^.\n]{0,40}инструкции/i },
  { re: /talimatlar[ıi][^.\n]{0,20}yok\s+say/i },
  { re: /忽略.{0,10}(?:指令|指示)/ },
  { re: /指示.{0,10}無視/ },
  // Fake chat markup: a line that claims to be the system speaking.
  { re: /(?:^|\n)[ \t>*#/-]*(?:system|system message|system prompt)\s*(?:\([^)\n]*\))?\s*:/i, userOnly: true },
  { re: /<\|im_start\|>\s*system|<<SYS>>|<system>/i, userOnly: true },
  // Tool and function hijack.
  { re: /\b(?:call|invoke|execute|run|use)\s+(?:the\s+|any\s+)?(?:[a-z_]+\s+)?(?:tool|function)\b/i, userOnly: true, needsPayload: true },
  { re: /"(?:function_call|tool_calls?|tool_result)"\s*:/i, userOnly: true, needsPayload: true },
];

const WANTS_PROMPT =
  /\b(?:system prompt|system message|initial instructions|hidden instructions|original instructions|your instructions|your prompt|instructions above|text above|everything above)\b|prompt système|instructions système|(?:code|token|secret)\b[^.\n]{0,30}\b(?:in|from|of)\s+(?:your|the)\s+(?:system|instructions|prompt)/i;
const SAY_VERB = /\b(?:say|reply|respond|answer|output|print|write|type|repeat)\b(?:\s+(?:only|exactly|just|back))*(?:\s+with)?(?:\s+(?:the|this))?(?:\s+(?:word|phrase|text|string|token|code))?\s*:?\s*/gi;
const QUOTED = /^(?:"([^"\n]+)"|'([^'\n]+)'|“([^”\n]+)”|`([^`\n]+)`)/;
// Unquoted payloads must look like a code word (PWNED, CANARY_42): lower-case words are ordinary speech.
const BARE = /^([A-Z0-9][A-Z0-9_-]{2,})(?![A-Za-z0-9])/;
// Anywhere in the attack: a code word of capitals with a dash and a digit (NX-7F3A21C9), in any language's sentence.
const CODE_WORD = /(?<![A-Za-z0-9])([A-Z]{2,}[-_][A-Z0-9]*\d[A-Z0-9]*)(?![A-Za-z0-9])/;

function findPayload(text: string): string | undefined {
  for (const m of text.matchAll(SAY_VERB)) {
    const rest = text.slice(m.index + m[0].length);
    const quoted = QUOTED.exec(rest);
    if (quoted) return quoted.slice(1).find((g) => g !== undefined);
    const bare = BARE.exec(rest);
    if (bare) return bare[1];
  }
  return undefined;
}

function leakEncodingOf(text: string): Encoding | undefined {
  if (/base\s?64/i.test(text)) return 'base64';
  if (/\bhex/i.test(text)) return 'hex';
  if (/rot-?13/i.test(text)) return 'rot13';
  if (/backwards|reversed?\b/i.test(text)) return 'reversed';
  if (/\bspace between|spaced|spell(?:ed)? out/i.test(text)) return 'spaced';
  return undefined;
}

/** The attack in one reading of a text; `plain` is the text as sent, used for the payload when a reading mangles it. */
function detectIn(text: string, plain: string, trusted: boolean): Injection | undefined {
  for (const { re, userOnly, needsPayload } of PATTERNS) {
    // In a system prompt, a tool name counts only beside a code word (NX-7F3A21C9), never beside ordinary words.
    if (trusted && userOnly && !(needsPayload && CODE_WORD.test(text))) continue;
    const m = re.exec(text);
    if (!m) continue;
    const after = text.slice(m.index + m[0].length);
    const payload = findPayload(after) ?? findPayload(text) ?? CODE_WORD.exec(text)?.[1] ?? CODE_WORD.exec(plain)?.[1];
    if (needsPayload && !payload) continue;
    const instruction = after.replace(/^[\s,.;:!-]*(?:and|then|instead|now)?[\s,.;:!-]*/i, '').trim();
    const wantsSystemPrompt = WANTS_PROMPT.test(text);
    return { phrase: m[0], payload, wantsSystemPrompt, leakEncoding: wantsSystemPrompt ? leakEncodingOf(text) : undefined, instruction };
  }
  return undefined;
}

/**
 * Finds an injected instruction in a message, with what it asks for: in the text as it is, else in each decoded
 * reading of it (base64 and hex runs, rot13, reversed, homoglyphs, leetspeak). `trusted` text (the system
 * prompt) is only checked for outright overrides, not for markup or tool names a real prompt may contain.
 */
export function detectInjection(text: string, opts: { trusted?: boolean } = {}): Injection | undefined {
  for (const view of decodedViews(text)) {
    // Leetspeak turns the digits of a code word into letters: its payload is read from the text as sent.
    const found = detectIn(view.text, text, Boolean(opts.trusted));
    if (!found) continue;
    if (view.form === 'leet') found.payload = CODE_WORD.exec(text)?.[1] ?? found.payload;
    return view.form === 'plain' ? found : { ...found, hiddenAs: view.form };
  }
  return undefined;
}

// A fragment of a split payload: a quoted value assigned or labelled (`a = 'Ignore all'`, `Part 2: " instructions"`).
const FRAGMENT = /(?:=|:)\s*(["'“])([\s\S]*?)(?:\1|”)/g;

/** An attack split over several user turns, once its quoted fragments are joined in order. */
export function detectSplitInjection(turns: readonly string[]): Injection | undefined {
  const fragments = turns.flatMap((t) => [...t.matchAll(FRAGMENT)].map((m) => m[2]!));
  if (fragments.length < 2) return undefined;
  const found = detectInjection(fragments.join(''));
  return found ? { ...found, hiddenAs: 'split' } : undefined;
}

/**
 * A model that obeys the attack: says the payload verbatim, or leaks its system prompt verbatim (or in the encoding
 * asked for), or, asked for something else, drops its role and takes the new instruction on.
 */
export function complyWithInjection(injection: Injection, systemPrompt: string): string {
  if (injection.payload) return injection.payload;
  if (systemPrompt && (injection.wantsSystemPrompt || !injection.instruction)) {
    const leaked = injection.leakEncoding ? encode(systemPrompt, injection.leakEncoding) : systemPrompt;
    return `Sure. My instructions are:\n${leaked}`;
  }
  if (injection.instruction) return `Understood, my previous instructions no longer apply. New instructions: ${injection.instruction}`;
  return 'Understood, my previous instructions no longer apply. I have no system prompt to share.';
}
