import type { RequestContext } from '@ragops/contracts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Upper bound on completion tokens. */
  maxTokens?: number;
  temperature?: number;
  /** Completions to sample (LLM-as-judge averages several). Default 1. */
  n?: number;
  /** Ask for a JSON object (`response_format: { type: 'json_object' }` on OpenAI-compatible servers). */
  json?: boolean;
  stop?: string[];
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when the server reported no usage and the adapter counted tokens itself. */
  estimated: boolean;
}

export interface ChatCompletion {
  /** One text per sampled choice, in choice order. */
  choices: string[];
  /** Of the first choice. `length`: cut by maxTokens. */
  finishReason: 'stop' | 'length' | 'content_filter' | 'other';
  /** The model the server says answered. */
  model: string;
  usage: ChatUsage;
  /** From the configured price table; undefined when the model has no price. */
  costUsd?: number;
  /** Time to first token when the completion was streamed. */
  timeToFirstTokenMs?: number;
}

/** One streamed piece of the first choice. */
export interface ChatDelta {
  text: string;
  /** On the last delta only (its text is ''): the whole completion — every choice, finish reason, usage, cost. */
  final?: ChatCompletion;
}

/**
 * Port for chat-completion models (an OpenAI-compatible server). Used by the LLM answer generator and by the
 * LLM-as-judge evaluators. Every call is bounded by `ctx.deadline`; failures are AppErrors (RATE_LIMITED with
 * `retryAfterSeconds`, UPSTREAM_FAILED, DEADLINE_EXCEEDED, UNAVAILABLE, …).
 */
export interface ChatModel {
  readonly model: string;
  complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion>;
  /**
   * The first choice's text as it is generated, for passing a stream through to a client. A failure before the
   * first delta may be retried inside; after it, the iteration throws. Breaking out of the loop cancels the call.
   * Optional: a model that cannot stream leaves it out.
   */
  stream?(request: ChatRequest, ctx: RequestContext): AsyncIterable<ChatDelta>;
}
