import { AppError, systemClock, type Clock, type RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatDelta, ChatModel, ChatRequest, ChatUsage } from '@ragops/rag';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { markLocal, type DependencyBreaker } from './circuit-breaker.policy.js';
import { DEFAULT_RETRY, markTransient, validateRetryOptions, withDeadlineRetry, type DeadlineRetryOptions } from './deadline-retry.policy.js';
import { mapOpenAIError } from './openai.errors.js';
import type { PriceTable } from './price.table.js';
import { TokenEstimator } from './token.estimator.js';

export interface OpenAIChatModelOptions {
  /** The server's API root, e.g. `https://api.openai.com/v1` or `http://vllm:8000/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer …`; servers without auth accept any non-empty value. */
  apiKey: string;
  model: string;
  organization?: string;
  /**
   * complete() streams the answer (`stream: true`, usage in the last chunk) instead of waiting for one JSON body:
   * measures time to first token and notices a stalled generation long before the deadline. Default false.
   */
  stream?: boolean;
  /** Streaming: a stream with no chunk for this long is abandoned as stalled (UPSTREAM_FAILED). Default 30 000. */
  idleTimeoutMs?: number;
  /** For ChatCompletion.costUsd; without it costUsd is undefined. */
  prices?: PriceTable;
  /**
   * The request field that carries maxTokens. OpenAI's reasoning models (o-series, gpt-5) accept only
   * `max_completion_tokens`; older OpenAI-compatible servers know only `max_tokens`. Default: the former for those
   * model names, the latter otherwise.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Retries after the first attempt, each only when its wait fits the deadline. Default 2. */
  maxRetries?: number;
  /** Backoff for retries the server named no wait for. Defaults 250 ms doubling up to 4 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A retry needs this much deadline left after its wait. Default 100. */
  minAttemptMs?: number;
  /** Deadline arithmetic and time to first token. Default systemClock. */
  clock?: Clock;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Told about each retry about to be made (metrics). */
  onRetry?: (error: AppError) => void;
  /** The LLM's circuit breaker: every attempt (up to a stream's first text) goes through it. */
  breaker?: DependencyBreaker;
}

/** Whatever one call needs to know across its attempts. */
interface Call {
  operation: string;
  /** clock.now() when the call started: time to first token counts retries too, as the user waits through them. */
  started: number;
  deadline: number;
  /** Fires at the deadline; bounds every attempt, the waits between them and the reading of a stream. */
  signal: AbortSignal;
  n: number;
}

/** A checked JSON response, before usage is estimated and priced. */
interface ParsedResponse {
  choices: string[];
  finishReason: ChatCompletion['finishReason'];
  model: string;
  usage: Omit<ChatUsage, 'estimated'> | undefined;
}

/** A chat.completion.chunk as far as we read it; everything is checked, nothing trusted. */
interface ChunkShape {
  model?: unknown;
  choices?: unknown;
  usage?: unknown;
}

const FINISH_REASONS = new Map<string, ChatCompletion['finishReason']>([
  ['stop', 'stop'],
  ['length', 'length'],
  ['content_filter', 'content_filter'],
]);

/**
 * Chat completions from any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM …) through
 * the `openai` SDK: one JSON response or a server-sent-event stream, n samples, JSON mode, stop sequences.
 *
 * Every call is bounded by `ctx.deadline` — attempts, the waits between them and the reading of a stream. Retries
 * are ours (see withDeadlineRetry): a 429's `retry-after` is waited out only when it fits before the deadline,
 * otherwise RATE_LIMITED comes back at once with `retryAfterSeconds`. A stream is retried only while nothing has
 * been received: once text has arrived (and, for stream(), been handed on) a retry would repeat or contradict it,
 * and the tokens are already billed. With a `breaker`, every attempt goes through it, and while it is open calls fail
 * at once with UNAVAILABLE (see DependencyBreaker).
 *
 * Usage comes from the server when it reports it; otherwise it is counted with tiktoken (`estimated: true`).
 */
export class OpenAIChatModel implements ChatModel {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly baseURL: string;
  private readonly streaming: boolean;
  private readonly idleTimeoutMs: number;
  private readonly prices: PriceTable | undefined;
  private readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
  private readonly clock: Clock;
  private readonly retry: DeadlineRetryOptions;

  constructor(options: OpenAIChatModelOptions) {
    if (!options.model) throw new AppError('VALIDATION_FAILED', 'OpenAI chat model needs a model name');
    if (!options.apiKey) throw new AppError('VALIDATION_FAILED', 'OpenAI chat model needs an API key (any non-empty value for servers without auth)');
    if (!options.baseURL) throw new AppError('VALIDATION_FAILED', 'OpenAI chat model needs a base URL');
    const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1) {
      throw new AppError('VALIDATION_FAILED', `OpenAI chat model idleTimeoutMs must be a positive integer, got ${idleTimeoutMs}`);
    }
    validateRetryOptions('OpenAI chat model', options);
    this.model = options.model;
    this.baseURL = options.baseURL;
    this.streaming = options.stream ?? false;
    this.idleTimeoutMs = idleTimeoutMs;
    this.prices = options.prices;
    this.maxTokensField = options.maxTokensField ?? (/^(o\d|gpt-5)/.test(options.model) ? 'max_completion_tokens' : 'max_tokens');
    this.clock = options.clock ?? systemClock;
    this.retry = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      minAttemptMs: options.minAttemptMs ?? DEFAULT_RETRY.minAttemptMs,
      clock: this.clock,
      random: options.random ?? Math.random,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.breaker ? { breaker: options.breaker } : {}),
    };
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      // Explicit nulls: otherwise the SDK falls back to OPENAI_* environment variables behind the config's back.
      organization: options.organization ?? null,
      project: null,
      // Retries are withDeadlineRetry's: the SDK's do not know the deadline (see deadline-retry.policy.ts).
      maxRetries: 0,
      // Failures are thrown as AppErrors; libraries don't write to the console.
      logLevel: 'off',
    });
  }

  async complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion> {
    if (this.streaming) {
      let final: ChatCompletion | undefined;
      for await (const delta of this.stream(request, ctx)) if (delta.final) final = delta.final;
      // stream() always ends with a final delta or throws; this guards against that changing.
      if (!final) throw new AppError('INTERNAL', `chat stream from ${this.baseURL} ended without a result`);
      return final;
    }
    const call = this.begin(request, ctx, 'chat completion');
    // Checked inside the attempt, so a malformed body counts against the breaker (it is not retried either way).
    const parsed = await withDeadlineRetry(async () => this.parseResponse(await this.attemptJson(request, call), call), call.deadline, this.retry);
    return this.result(parsed.choices, parsed.finishReason, parsed.model, parsed.usage, request, call, undefined);
  }

  async *stream(request: ChatRequest, ctx: RequestContext): AsyncGenerator<ChatDelta> {
    const call = this.begin(request, ctx, 'streamed chat completion');
    // Retried as a whole until the first text (or the end) arrives; from then on a failure is final.
    const opened = await withDeadlineRetry(() => this.open(request, call), call.deadline, this.retry);
    const { reader, state } = opened;
    try {
      if (opened.firstText) yield { text: opened.firstText };
      for (;;) {
        const chunk = await reader.next(state.chunks);
        if (chunk === undefined) break;
        const text = state.apply(chunk);
        if (text) yield { text };
      }
      this.checkEnd(state, call);
    } finally {
      reader.close();
    }
    yield { text: '', final: await this.result(state.texts(), state.finishReason(), state.model, state.usage, request, call, state.firstTextAt) };
  }

  /** Validates the request and starts the deadline; nothing is sent when the deadline has passed. */
  private begin(request: ChatRequest, ctx: RequestContext, what: string): Call {
    validateRequest(request);
    const now = this.clock.now();
    const remaining = ctx.deadline - now;
    if (remaining <= 0) throw new AppError('DEADLINE_EXCEEDED', `deadline passed before the ${what} with ${this.model} started`);
    const n = request.n ?? 1;
    return { operation: `${what} with ${this.model}`, started: now, deadline: ctx.deadline, signal: AbortSignal.timeout(remaining), n };
  }

  /** Time left for the next attempt; DEADLINE_EXCEEDED when none. */
  private remaining(call: Call): number {
    const remaining = call.deadline - this.clock.now();
    if (remaining <= 0 || call.signal.aborted) throw markLocal(new AppError('DEADLINE_EXCEEDED', `the request deadline passed during the ${call.operation}`));
    return remaining;
  }

  private body(request: ChatRequest, stream: boolean): OpenAI.ChatCompletionCreateParams {
    return {
      model: this.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(request.n !== undefined && request.n !== 1 ? { n: request.n } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { [this.maxTokensField]: request.maxTokens } : {}),
      ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
      ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
  }

  private async attemptJson(request: ChatRequest, call: Call): Promise<OpenAI.ChatCompletion> {
    const remaining = this.remaining(call);
    try {
      return (await this.client.chat.completions.create(this.body(request, false) as OpenAI.ChatCompletionCreateParamsNonStreaming, {
        timeout: remaining,
        signal: call.signal,
      })) as OpenAI.ChatCompletion;
    } catch (error) {
      throw this.fail(error, call);
    }
  }

  /** Opens a stream and reads up to the first text (or its end): the part of a streamed call that may be retried. */
  private async open(request: ChatRequest, call: Call): Promise<{ reader: ChunkReader; state: StreamState; firstText: string }> {
    const remaining = this.remaining(call);
    const cancel = new AbortController();
    let stream: AsyncIterable<unknown> & { controller: AbortController };
    try {
      stream = await this.client.chat.completions.create(this.body(request, true) as OpenAI.ChatCompletionCreateParamsStreaming, {
        timeout: remaining,
        signal: AbortSignal.any([call.signal, cancel.signal]),
      });
    } catch (error) {
      throw this.fail(error, call);
    }
    const reader = new ChunkReader(stream, cancel, this.idleTimeoutMs, call, (error) => this.fail(error, call), this.baseURL);
    const state = new StreamState(call.n, this.clock, `${call.operation} at ${this.baseURL}`);
    try {
      for (;;) {
        const chunk = await reader.next(state.chunks);
        if (chunk === undefined) {
          // Ended before any text: an empty answer if every choice finished, else a broken stream (retryable).
          this.checkEnd(state, call);
          return { reader, state, firstText: '' };
        }
        const text = state.apply(chunk);
        if (text || state.anyText || state.anyFinished) return { reader, state, firstText: text };
      }
    } catch (error) {
      reader.close();
      // Nothing was received yet, so a broken or stalled stream may be tried again (a malformed one may not).
      if (error instanceof AppError && brokenStreams.has(error)) markTransient(error);
      throw error;
    }
  }

  /** Throws unless the stream ended properly: every choice seen has a finish reason and the deadline did not cut it. */
  private checkEnd(state: StreamState, call: Call): void {
    // The SDK ends the iteration quietly when the request is aborted, so an early end may be our own deadline.
    if (call.signal.aborted) throw new AppError('DEADLINE_EXCEEDED', `the request deadline passed while the ${call.operation} was streaming`);
    if (!state.complete) {
      throw broken(
        new AppError(
          'UPSTREAM_FAILED',
          `${call.operation} at ${this.baseURL}: the stream ended without a finish_reason after ${state.chunks} chunks (truncated)`,
          { receivedChunks: state.chunks },
        ),
      );
    }
  }

  private fail(error: unknown, call: Call): AppError {
    const mapped = mapOpenAIError(error, {
      operation: call.operation,
      baseURL: this.baseURL,
      deadlinePassed: call.signal.aborted || this.clock.now() >= call.deadline,
      now: this.clock.now(),
    });
    // A connection that broke (reset, closed mid-response) is worth another try; a refused one is UNAVAILABLE,
    // which the retry policy already treats as transient.
    if (error instanceof APIConnectionError && !(error instanceof APIConnectionTimeoutError) && mapped.code === 'UPSTREAM_FAILED') markTransient(mapped);
    return mapped;
  }

  /** Checks a JSON response and takes out what a ChatCompletion needs. */
  private parseResponse(response: OpenAI.ChatCompletion, call: Call): ParsedResponse {
    const where = `${call.operation} at ${this.baseURL}`;
    const fail = (why: string): never => {
      throw new AppError('UPSTREAM_FAILED', `${where} returned a malformed response: ${why}`);
    };
    const raw = response as unknown as { choices?: unknown; model?: unknown; usage?: unknown } | null;
    if (!raw || typeof raw !== 'object') return fail('the body is not an object');
    if (!Array.isArray(raw.choices) || raw.choices.length === 0) return fail('no `choices`');
    const texts: string[] = [];
    const finishes: Array<string | null> = [];
    for (const [position, choice] of (raw.choices as unknown[]).entries()) {
      const c = choice as { index?: unknown; message?: { content?: unknown }; finish_reason?: unknown } | null;
      const index = c?.index ?? position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= call.n) return fail(`choice index ${String(index)} outside 0..${call.n - 1}`);
      if (texts[index] !== undefined) return fail(`choice index ${index} appears twice`);
      const content = c?.message?.content;
      if (content !== null && content !== undefined && typeof content !== 'string') return fail(`choice ${index} content is not text`);
      texts[index] = content ?? '';
      finishes[index] = typeof c?.finish_reason === 'string' ? c.finish_reason : null;
    }
    if (texts[0] === undefined) return fail('no choice 0');
    const choices = texts.filter((t): t is string => t !== undefined);
    const model = typeof raw.model === 'string' && raw.model ? raw.model : this.model;
    return { choices, finishReason: mapFinish(finishes[0] ?? null), model, usage: usageOf(raw.usage) };
  }

  private async result(
    choices: string[],
    finishReason: ChatCompletion['finishReason'],
    model: string,
    reported: Omit<ChatUsage, 'estimated'> | undefined,
    request: ChatRequest,
    call: Call,
    firstTextAt: number | undefined,
  ): Promise<ChatCompletion> {
    let usage: ChatUsage;
    if (reported) {
      usage = { ...reported, estimated: false };
    } else {
      const estimator = await TokenEstimator.forModel(this.model);
      usage = {
        promptTokens: estimator.countMessages(request.messages),
        completionTokens: choices.reduce((sum, text) => sum + estimator.count(text), 0),
        estimated: true,
      };
    }
    const costUsd = this.prices?.costOf(model, usage) ?? this.prices?.costOf(this.model, usage);
    return {
      choices,
      finishReason,
      model,
      usage,
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(firstTextAt !== undefined ? { timeToFirstTokenMs: Math.max(0, firstTextAt - call.started) } : {}),
    };
  }
}

/** The request checks a server would make, done before anything is sent. */
function validateRequest(request: ChatRequest): void {
  const bad = (why: string): never => {
    throw new AppError('VALIDATION_FAILED', `invalid chat request: ${why}`);
  };
  if (!Array.isArray(request.messages) || request.messages.length === 0) bad('messages must not be empty');
  for (const [i, m] of request.messages.entries()) {
    if (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') bad(`messages[${i}].role must be system, user or assistant`);
    if (typeof m.content !== 'string') bad(`messages[${i}].content must be a string`);
  }
  const { n, maxTokens, temperature, stop } = request;
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 128)) bad(`n must be an integer in 1..128, got ${n}`);
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) bad(`maxTokens must be a positive integer, got ${maxTokens}`);
  if (temperature !== undefined && (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)) bad(`temperature must be in 0..2, got ${temperature}`);
  if (stop !== undefined && (stop.length > 4 || stop.some((s) => typeof s !== 'string' || s.length === 0))) bad('stop takes at most 4 non-empty strings');
}

function mapFinish(reason: string | null): ChatCompletion['finishReason'] {
  return (reason && FINISH_REASONS.get(reason)) || 'other';
}

/** The server's usage when it is well-formed, else undefined (the caller estimates). */
function usageOf(raw: unknown): Omit<ChatUsage, 'estimated'> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = raw as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  return ok(prompt) && ok(completion) ? { promptTokens: prompt, completionTokens: completion } : undefined;
}

/** What a stream has delivered so far, checked chunk by chunk. */
class StreamState {
  chunks = 0;
  model = '';
  usage: Omit<ChatUsage, 'estimated'> | undefined;
  /** clock.now() when the first text of any choice arrived. */
  firstTextAt: number | undefined;
  private readonly parts: string[][] = [];
  private readonly finishes: Array<string | null | undefined> = [];

  constructor(
    private readonly n: number,
    private readonly clock: Clock,
    private readonly where: string,
  ) {}

  get anyText(): boolean {
    return this.firstTextAt !== undefined;
  }

  get anyFinished(): boolean {
    return this.finishes.some((f) => typeof f === 'string');
  }

  /** Every choice that appeared has finished, and choice 0 appeared (an empty stream is not a completion). */
  get complete(): boolean {
    if (this.parts[0] === undefined) return false;
    for (let i = 0; i < this.parts.length; i++) if (this.parts[i] !== undefined && typeof this.finishes[i] !== 'string') return false;
    return true;
  }

  /** Folds one chunk in; returns the text it added to choice 0. */
  apply(chunk: unknown): string {
    this.chunks++;
    const fail = (why: string): never => {
      throw new AppError('UPSTREAM_FAILED', `${this.where}: malformed stream chunk ${this.chunks}: ${why}`, { receivedChunks: this.chunks });
    };
    if (!chunk || typeof chunk !== 'object') return fail('not an object');
    const c = chunk as ChunkShape;
    if (typeof c.model === 'string' && c.model) this.model = c.model;
    const usage = usageOf(c.usage);
    if (usage) this.usage = usage;
    if (c.choices === undefined && usage) return '';
    if (!Array.isArray(c.choices)) return fail('no `choices` array');
    let first = '';
    for (const choice of c.choices as unknown[]) {
      const ch = choice as { index?: unknown; delta?: { content?: unknown } | null; finish_reason?: unknown } | null;
      const index = ch?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.n) return fail(`choice index ${String(index)} outside 0..${this.n - 1}`);
      const parts = (this.parts[index] ??= []);
      if (typeof this.finishes[index] === 'string') return fail(`choice ${index} continues after its finish_reason`);
      const content = ch?.delta?.content;
      if (content !== undefined && content !== null && typeof content !== 'string') return fail(`choice ${index} content is not text`);
      if (typeof content === 'string' && content.length > 0) {
        parts.push(content);
        this.firstTextAt ??= this.clock.now();
        if (index === 0) first += content;
      }
      if (typeof ch?.finish_reason === 'string' && ch.finish_reason) this.finishes[index] = ch.finish_reason;
    }
    return first;
  }

  texts(): string[] {
    const out: string[] = [];
    for (const parts of this.parts) if (parts !== undefined) out.push(parts.join(''));
    return out;
  }

  finishReason(): ChatCompletion['finishReason'] {
    return mapFinish(this.finishes[0] ?? null);
  }
}

/**
 * Stream failures that say nothing about the request or the answer — a stall, a cut connection, a truncation — and
 * so may be retried while nothing has been received. Invalid JSON or an error event is not among them.
 */
const brokenStreams = new WeakSet<AppError>();

function broken(error: AppError): AppError {
  brokenStreams.add(error);
  return error;
}

/** Reads an SDK stream chunk by chunk with an idle timeout; failures become AppErrors. */
class ChunkReader {
  private readonly iterator: AsyncIterator<unknown>;
  private closed = false;

  constructor(
    private readonly stream: AsyncIterable<unknown> & { controller: AbortController },
    private readonly cancel: AbortController,
    private readonly idleTimeoutMs: number,
    private readonly call: Call,
    private readonly mapError: (error: unknown) => AppError,
    private readonly baseURL: string,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next chunk, or undefined when the stream ended (properly or not: the caller checks). */
  async next(received: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<typeof IDLE>((resolve) => {
      timer = setTimeout(() => resolve(IDLE), this.idleTimeoutMs);
    });
    const pending = this.iterator.next();
    try {
      const outcome = await Promise.race([pending, idle]);
      if (outcome === IDLE) {
        pending.catch(() => undefined); // settles when the abort below lands; nobody waits for it any more
        this.close();
        throw broken(
          new AppError(
            'UPSTREAM_FAILED',
            `${this.call.operation} at ${this.baseURL}: the stream stalled (no chunk for ${this.idleTimeoutMs} ms after ${received} chunks)`,
            { idleTimeoutMs: this.idleTimeoutMs, receivedChunks: received },
          ),
        );
      }
      return outcome.done ? undefined : outcome.value;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (this.call.signal.aborted) {
        throw new AppError('DEADLINE_EXCEEDED', `the request deadline passed while the ${this.call.operation} was streaming`, undefined, { cause: error });
      }
      // Invalid JSON in an event, or an error event, says something about the server's answer: not retried.
      if (error instanceof SyntaxError || error instanceof APIError) {
        const mapped = this.mapError(error);
        throw new AppError(mapped.code, mapped.message, { ...(mapped.details as object | undefined), receivedChunks: received }, { cause: error });
      }
      // Anything else while reading the body is the connection breaking.
      throw broken(
        new AppError(
          'UPSTREAM_FAILED',
          `${this.call.operation} at ${this.baseURL}: the stream broke after ${received} chunks: ${error instanceof Error ? error.message : String(error)}`,
          { receivedChunks: received },
          { cause: error },
        ),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cancels the request if it is still running; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancel.abort();
    this.stream.controller.abort();
    void this.iterator.return?.().catch(() => undefined);
  }
}

const IDLE = Symbol('idle');
