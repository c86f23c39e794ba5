import { AppError, systemClock, type Clock, type RequestContext } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError } from 'openai';
import { markLocal, type DependencyBreaker } from './circuit-breaker.policy.js';
import { DEFAULT_RETRY, markTransient, withDeadlineRetry, type DeadlineRetryOptions } from './deadline-retry.policy.js';
import { mapOpenAIError } from './openai.errors.js';

export interface OpenAIEmbedderOptions {
  /** The server's API root, e.g. `https://api.openai.com/v1` or `http://vllm:8000/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer …`; servers without auth accept any non-empty value. */
  apiKey: string;
  model: string;
  /** Length of every returned vector; a response with another length is rejected. */
  dimensions: number;
  /**
   * Send `dimensions` in the request (default true). Turn off for models with a fixed size that reject the
   * parameter (text-embedding-ada-002, most vLLM/TEI models); the length is still checked.
   */
  sendDimensions?: boolean;
  organization?: string;
  /** Texts per request. Default 128 (OpenAI accepts up to 2048 inputs per request). */
  batchSize?: number;
  /** Deadline arithmetic. Default systemClock. */
  clock?: Clock;
  /** Retries per batch after the first attempt (408/409/429/5xx and connection errors), each only when its wait fits the deadline. Default 2. */
  maxRetries?: number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Told about each retry about to be made (metrics). */
  onRetry?: (error: AppError) => void;
  /** The embedding server's circuit breaker: every attempt goes through it. */
  breaker?: DependencyBreaker;
}

/**
 * Dense embeddings from any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server, TEI) through the
 * `openai` SDK. Batches are sent one after another, each bounded by what is left of the request's deadline, and
 * retried by withDeadlineRetry like the chat model (the SDK's own retries wait out a `retry-after` blind to the
 * deadline), through the circuit breaker when there is one. `kind` is ignored: the OpenAI embeddings API has no
 * query/document distinction.
 */
export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly client: OpenAI;
  private readonly baseURL: string;
  private readonly batchSize: number;
  private readonly sendDimensions: boolean;
  private readonly clock: Clock;
  private readonly retry: DeadlineRetryOptions;

  constructor(options: OpenAIEmbedderOptions) {
    const { dimensions, batchSize = 128, maxRetries = 2 } = options;
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new AppError('VALIDATION_FAILED', `OpenAI embedder dimensions must be a positive integer, got ${dimensions}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2048) {
      throw new AppError('VALIDATION_FAILED', `OpenAI embedder batchSize must be an integer in 1..2048, got ${batchSize}`);
    }
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new AppError('VALIDATION_FAILED', `OpenAI embedder maxRetries must be a non-negative integer, got ${maxRetries}`);
    }
    if (!options.model) throw new AppError('VALIDATION_FAILED', 'OpenAI embedder needs a model name');
    if (!options.apiKey) throw new AppError('VALIDATION_FAILED', 'OpenAI embedder needs an API key (any non-empty value for servers without auth)');
    this.model = options.model;
    this.dimensions = dimensions;
    this.baseURL = options.baseURL;
    this.batchSize = batchSize;
    this.sendDimensions = options.sendDimensions ?? true;
    this.clock = options.clock ?? systemClock;
    this.retry = {
      ...DEFAULT_RETRY,
      maxRetries,
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

  async embed(texts: string[], _kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    const out: number[][] = new Array(texts.length);
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      const vectors = await this.embedBatch(batch, ctx, start, texts.length);
      for (let i = 0; i < vectors.length; i++) out[start + i] = vectors[i];
    }
    return out;
  }

  private async embedBatch(batch: string[], ctx: RequestContext, done: number, total: number): Promise<number[][]> {
    const now = this.clock.now();
    const remaining = ctx.deadline - now;
    if (remaining <= 0) {
      throw new AppError('DEADLINE_EXCEEDED', `deadline passed before embedding (${done} of ${total} texts done)`, { done, total });
    }
    const operation = `embedding ${batch.length} texts with ${this.model}`;
    // The signal bounds the whole batch, retries and their waits included; `timeout` bounds each attempt.
    const deadline = AbortSignal.timeout(remaining);
    return withDeadlineRetry(() => this.attempt(batch, operation, ctx.deadline, deadline), ctx.deadline, this.retry);
  }

  /** One request for one batch: the checked vectors (inside the attempt, so a malformed body counts against the breaker). */
  private async attempt(batch: string[], operation: string, deadlineAt: number, deadline: AbortSignal): Promise<number[][]> {
    const remaining = deadlineAt - this.clock.now();
    if (remaining <= 0 || deadline.aborted) throw markLocal(new AppError('DEADLINE_EXCEEDED', `the request deadline passed before ${operation}`));
    let response: OpenAI.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create(
        {
          model: this.model,
          input: batch,
          ...(this.sendDimensions ? { dimensions: this.dimensions } : {}),
        },
        { timeout: remaining, signal: deadline },
      );
    } catch (error) {
      const mapped = mapOpenAIError(error, { operation, baseURL: this.baseURL, deadlinePassed: deadline.aborted, now: this.clock.now() });
      // A connection that broke is worth another try, as the SDK would have made (a refused one is UNAVAILABLE, retried anyway).
      if (error instanceof APIConnectionError && !(error instanceof APIConnectionTimeoutError) && mapped.code === 'UPSTREAM_FAILED') markTransient(mapped);
      throw mapped;
    }
    return this.vectorsOf(response, batch.length, operation);
  }

  /** The vectors in input order, after checking the response has exactly one well-formed vector per input. */
  private vectorsOf(response: OpenAI.CreateEmbeddingResponse, count: number, operation: string): number[][] {
    const fail = (why: string): never => {
      throw new AppError('UPSTREAM_FAILED', `${operation} at ${this.baseURL} returned a malformed response: ${why}`);
    };
    const data = (response as { data?: unknown } | null | undefined)?.data;
    if (!Array.isArray(data)) return fail('no `data` array');
    if (data.length !== count) return fail(`${data.length} embeddings for ${count} inputs`);
    const vectors: number[][] = new Array(count);
    for (const item of data as Array<{ index?: unknown; embedding?: unknown }>) {
      const index = item?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
        return fail(`embedding index ${String(index)} outside 0..${count - 1}`);
      }
      if (vectors[index] !== undefined) return fail(`embedding index ${index} appears twice`);
      const embedding = item.embedding;
      if (!Array.isArray(embedding)) return fail(`embedding ${index} is not an array`);
      if (embedding.length !== this.dimensions) {
        return fail(`embedding ${index} has ${embedding.length} dimensions, expected ${this.dimensions} (check the model and dimensions settings)`);
      }
      for (let j = 0; j < embedding.length; j++) {
        if (typeof embedding[j] !== 'number' || !Number.isFinite(embedding[j])) return fail(`embedding ${index} has a non-numeric value`);
      }
      vectors[index] = embedding as number[];
    }
    return vectors;
  }
}
