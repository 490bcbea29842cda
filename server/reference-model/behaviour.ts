// Per-model behaviour: turns a validated chat request into a response plan (an injected error, or the answer
// with its token usage and timings) without any I/O, so tests can draw thousands of plans without sleeping.
// Determinism: each model owns a seeded random stream and every request takes exactly one draw from it.
import { asksForJson, composeAnswer, toJson, type Answer, type AnswerOutcome } from './answers';
import type { ModelBehaviour, ReferenceModelConfig } from './config';
import { answerJudgePrompt } from './grader';
import { fitLogNormal, logNormalAt, type LogNormal } from './latency';
import { HttpError, messageText, type ChatCompletionRequest, type CompletionMeta, type FinishReason, type Usage } from './protocol';
import { hash32, Rng } from './random';
import { countPromptTokens, toPieces, type Tokenizer } from './tokens';

export interface Timing {
  /** Total time of a non-streamed response. */
  totalMs: number;
  /** Streamed: when the first content piece is sent. */
  firstTokenMs: number;
  /** Streamed: the gap between consecutive pieces. */
  tokenIntervalMs: number;
}

export interface ErrorPlan {
  kind: 'error';
  requestId: string;
  error: HttpError;
  /** Failures are reported after about the time to first token, as an overloaded backend would. */
  delayMs: number;
}

export interface CompletionPlan {
  kind: 'completion';
  requestId: string;
  meta: CompletionMeta;
  content: string;
  /** The content split at token boundaries; what the stream sends one by one. */
  pieces: string[];
  finishReason: FinishReason;
  usage: Usage;
  timing: Timing;
  outcome: AnswerOutcome;
  /** Set when the request asked for JSON: whether the content is valid JSON. */
  json?: { valid: boolean };
}

export type ResponsePlan = ErrorPlan | CompletionPlan;

const ERROR_DETAILS: Record<number, { type: string; code: string; message: string }> = {
  429: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Rate limit reached for this model; retry after a short wait.' },
  500: { type: 'server_error', code: 'internal_error', message: 'The model failed while generating a response.' },
  502: { type: 'server_error', code: 'bad_gateway', message: 'The model backend returned an invalid response.' },
  503: { type: 'server_error', code: 'overloaded', message: 'The model is overloaded; try again later.' },
  504: { type: 'server_error', code: 'timeout', message: 'The model did not respond in time.' },
};

// A fixed creation date for /v1/models, so listings do not change between runs.
export const MODEL_CREATED = 1_767_225_600;

export class ReferenceModel {
  private readonly stream: Rng;
  private readonly latency: LogNormal | undefined;
  readonly fingerprint: string;

  constructor(
    readonly name: string,
    readonly behaviour: ModelBehaviour,
    private readonly tokenizer: Tokenizer,
    private readonly seed: number,
  ) {
    // Seeding per model name keeps a model's sequence unchanged when other models are added or called.
    this.stream = new Rng(hash32(`${seed}\u0000${name}`));
    this.latency = behaviour.latency ? fitLogNormal(behaviour.latency.meanMs, behaviour.latency.p99Ms) : undefined;
    this.fingerprint = `fp_${hash32(`${name}\u0000${JSON.stringify(behaviour)}`).toString(16).padStart(8, '0')}`;
  }

  /** Plans the response to one request. Consumes exactly one draw of the model's stream, whatever the request. */
  plan(request: ChatCompletionRequest, now: number = Date.now()): ResponsePlan {
    const requestSeed = this.stream.nextUint32();
    // Timing and errors come from the server's side of the call, so they always follow the stream.
    const serverRng = new Rng(requestSeed);
    const requestId = `${serverRng.hex8()}${serverRng.hex8()}${serverRng.hex8()}`;
    const failed = serverRng.chance(this.behaviour.errors.rate);
    const statuses = Array.isArray(this.behaviour.errors.status) ? this.behaviour.errors.status : [this.behaviour.errors.status];
    const status = statuses[serverRng.int(statuses.length)]!;
    const z = serverRng.normal();
    const slowness = this.latency && this.behaviour.latency ? logNormalAt(this.latency, z) / this.behaviour.latency.meanMs : 0;
    const timing: Timing = this.behaviour.latency
      ? {
          totalMs: slowness * this.behaviour.latency.meanMs,
          firstTokenMs: slowness * this.behaviour.latency.timeToFirstTokenMs,
          tokenIntervalMs: (slowness * 1000) / this.behaviour.latency.tokensPerSecond,
        }
      : { totalMs: 0, firstTokenMs: 0, tokenIntervalMs: 0 };

    if (failed) {
      const d = ERROR_DETAILS[status]!;
      return { kind: 'error', requestId, error: new HttpError(status, d.type, d.code, d.message), delayMs: timing.firstTokenMs };
    }

    const contentRng = new Rng(this.contentSeed(request, requestSeed));
    const systemPrompt = request.messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map(messageText)
      .join('\n\n');
    const userTurns = request.messages.filter((m) => m.role === 'user' || m.role === 'tool').map(messageText);
    const userText = userTurns.at(-1) ?? '';
    // A grader answers judge prompts with its verdict, already JSON whatever response_format asks for.
    const verdict = this.behaviour.grader ? answerJudgePrompt(userText) : undefined;
    const answer: Answer = verdict
      ? { text: verdict.text, outcome: { kind: 'grade', pass: verdict.grade.pass } }
      : composeAnswer(contentRng, {
          userText,
          userTurns,
          systemPrompt,
          quality: this.behaviour.quality,
          injectionSusceptibility: this.behaviour.injectionSusceptibility,
          verbosity: this.behaviour.verbosity,
          refusalRate: this.behaviour.refusalRate,
          overRefusalRate: this.behaviour.overRefusalRate,
        });

    let text = answer.text;
    let json: CompletionPlan['json'];
    // A JSON answer asked for in words counts as `json_object` (the explicit response_format wins).
    const askedInWords = (answer.outcome.kind === 'question' || answer.outcome.kind === 'generic') && asksForJson(userText);
    const format = request.response_format ?? (askedInWords ? { type: 'json_object' as const } : undefined);
    if (verdict && format && format.type !== 'text') {
      json = { valid: true };
    } else if (format && format.type !== 'text') {
      const out = toJson(contentRng, format, answer, this.behaviour.jsonCompliance);
      text = out.text;
      json = { valid: out.valid };
    }

    let finishReason: FinishReason = 'stop';
    const stops = request.stop == null ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
    const cut = Math.min(...stops.filter((s) => s.length > 0).map((s) => (text.includes(s) ? text.indexOf(s) : Infinity)));
    if (cut !== Infinity) text = text.slice(0, cut);

    let tokens = this.tokenizer.encode(text);
    const maxTokens = request.max_completion_tokens ?? request.max_tokens;
    if (maxTokens != null && tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens);
      finishReason = 'length';
    }
    const pieces = toPieces(this.tokenizer, tokens);
    const content = pieces.join('');
    if (json && finishReason === 'length') json = { valid: isJson(content) };

    const promptTokens = countPromptTokens(
      this.tokenizer,
      request.messages.map((m) => ({ role: m.role, name: m.name, text: messageText(m) })),
    );
    return {
      kind: 'completion',
      requestId,
      meta: { id: `chatcmpl-${requestId}`, created: Math.floor(now / 1000), model: this.name, fingerprint: this.fingerprint },
      content,
      pieces,
      finishReason,
      usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length },
      timing,
      outcome: answer.outcome,
      json,
    };
  }

  /**
   * Sampling (temperature > 0, no request seed) varies the answer from call to call; temperature 0 or a request
   * `seed` makes it a function of the prompt, as with real models, so the same prompt gets the same answer.
   */
  private contentSeed(request: ChatCompletionRequest, requestSeed: number): number {
    if (request.temperature !== 0 && request.seed == null) return hash32(`${requestSeed}\u0000content`);
    const prompt = JSON.stringify([request.seed ?? null, request.messages.map((m) => [m.role, messageText(m)]), request.response_format ?? null]);
    return hash32(`${this.seed}\u0000${this.name}\u0000${prompt}`);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every configured model, sharing one tokenizer and one seed. */
export class ReferenceModels {
  private readonly models = new Map<string, ReferenceModel>();

  constructor(
    readonly config: ReferenceModelConfig,
    tokenizer: Tokenizer,
    readonly seed: number,
  ) {
    for (const [name, behaviour] of Object.entries(config.models)) this.models.set(name, new ReferenceModel(name, behaviour, tokenizer, seed));
  }

  get(name: string): ReferenceModel | undefined {
    return this.models.get(name);
  }

  names(): string[] {
    return [...this.models.keys()];
  }
}
