import { AppError, systemClock, type ChunkHit, type Clock, type RequestContext } from '@ragops/contracts';
import type { Reranker } from '@ragops/rag';
import { markLocal, type DependencyBreaker } from './circuit-breaker.policy.js';
import { DEFAULT_RETRY, markTransient, validateRetryOptions, withDeadlineRetry, type DeadlineRetryOptions } from './deadline-retry.policy.js';
import { socketCodeOf } from '@ragops/contracts';
import { errorCodeForStatus, retryAfterSecondsOf, UNREACHABLE_SOCKET_CODES } from './openai.errors.js';

/**
 * The two wire shapes of `POST {baseURL}/rerank`:
 *
 * - `jina`: `{ model, query, documents: string[], top_n, return_documents }` → `{ results: [{ index, relevance_score }] }`.
 *   Jina AI's rerank API (https://jina.ai/reranker/, `https://api.jina.ai/v1/rerank`), which vLLM implements on
 *   `/rerank`, `/v1/rerank` and `/v2/rerank` ("Re-rank API" in docs/serving/openai_compatible_server.md: Jina's v1 API,
 *   also compatible with Cohere's v1/v2 rerank, https://docs.cohere.com/v2/reference/rerank); `top_n` is optional there
 *   and results come sorted by relevance. Base URL e.g. `http://vllm:8000/v1` or `https://api.jina.ai/v1`.
 * - `tei`: Hugging Face text-embeddings-inference, `{ query, texts, truncate, raw_scores, return_text }` →
 *   `[{ index, score }]` (RerankRequest / Rank in router/src/http/types.rs). TEI refuses more than
 *   `--max-client-batch-size` texts per request (default 32, router/src/main.rs), so requests are split. Base URL is
 *   the server root, e.g. `http://tei:8080`.
 *
 * Neither flavour's order is trusted: results are validated (indices in range, each once, finite scores, one per
 * document asked for) and sorted here.
 */
export type RerankFlavor = 'jina' | 'tei';

export interface OpenAICompatibleRerankerOptions {
  /** API root; the endpoint is `${baseURL}/rerank`. */
  baseURL: string;
  /** Default `jina`. */
  flavor?: RerankFlavor;
  /** Sent as `model` (jina flavour, required there); TEI serves one model and ignores it. */
  model?: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Documents per request; larger candidate lists are split and scored in parallel. Default 32 for tei, 256 for jina. */
  maxDocumentsPerRequest?: number;
  /** TEI: truncate texts longer than the model's input instead of failing the request. Default true. */
  truncate?: boolean;
  /** Retries after the first attempt, each only when its wait fits the deadline. Default 2. */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  minAttemptMs?: number;
  clock?: Clock;
  random?: () => number;
  /** Told about each retry about to be made (metrics). */
  onRetry?: (error: AppError) => void;
  /** The reranker's circuit breaker: every attempt of every batch goes through it. */
  breaker?: DependencyBreaker;
}

interface Scored {
  /** Position in the hits given to rerank(). */
  position: number;
  score: number;
}

/** Reranks retrieved chunks with a cross-encoder served behind a Jina/vLLM/Cohere-style or TEI rerank endpoint. */
export class OpenAICompatibleReranker implements Reranker {
  readonly model: string;
  private readonly flavor: RerankFlavor;
  private readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly batchSize: number;
  private readonly truncate: boolean;
  private readonly clock: Clock;
  private readonly retry: DeadlineRetryOptions;

  constructor(options: OpenAICompatibleRerankerOptions) {
    const flavor = options.flavor ?? 'jina';
    if (flavor !== 'jina' && flavor !== 'tei') throw new AppError('VALIDATION_FAILED', `reranker flavor must be jina or tei, got ${String(flavor)}`);
    if (!options.baseURL) throw new AppError('VALIDATION_FAILED', 'reranker needs a base URL');
    if (flavor === 'jina' && !options.model) throw new AppError('VALIDATION_FAILED', 'a jina-flavour reranker needs a model name');
    const batchSize = options.maxDocumentsPerRequest ?? (flavor === 'tei' ? 32 : 256);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new AppError('VALIDATION_FAILED', `reranker maxDocumentsPerRequest must be a positive integer, got ${batchSize}`);
    }
    validateRetryOptions('reranker', options);
    this.flavor = flavor;
    this.model = options.model ?? flavor;
    this.url = `${options.baseURL.replace(/\/+$/, '')}/rerank`;
    this.apiKey = options.apiKey || undefined;
    this.batchSize = batchSize;
    this.truncate = options.truncate ?? true;
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
  }

  async rerank(query: string, hits: readonly ChunkHit[], topN: number, ctx: RequestContext): Promise<ChunkHit[]> {
    if (!Number.isInteger(topN) || topN < 1) throw new AppError('VALIDATION_FAILED', `rerank topN must be a positive integer, got ${topN}`);
    if (hits.length === 0) return [];
    const now = this.clock.now();
    const remaining = ctx.deadline - now;
    if (remaining <= 0) throw new AppError('DEADLINE_EXCEEDED', `deadline passed before reranking ${hits.length} chunks`);
    // One signal for every batch and retry: the deadline, or the first batch failing (the rest are then useless).
    const deadline = AbortSignal.timeout(remaining);
    const failed = new AbortController();
    const signal = AbortSignal.any([deadline, failed.signal]);
    const documents = hits.map(documentText);
    const batches: Array<{ start: number; texts: string[] }> = [];
    for (let start = 0; start < documents.length; start += this.batchSize) batches.push({ start, texts: documents.slice(start, start + this.batchSize) });
    // With one batch the server may cut to topN itself; split lists need every score to merge.
    const single = batches.length === 1;

    let scored: Scored[];
    try {
      const parts = await Promise.all(
        batches.map(async ({ start, texts }) => {
          const want = single ? Math.min(topN, texts.length) : texts.length;
          const results = await withDeadlineRetry(() => this.attempt(query, texts, want, ctx.deadline, deadline, signal), ctx.deadline, this.retry);
          return results.map((r) => ({ position: start + r.position, score: r.score }));
        }),
      );
      scored = parts.flat();
    } catch (error) {
      failed.abort();
      throw error;
    }
    scored.sort((a, b) => b.score - a.score || a.position - b.position);
    return scored.slice(0, topN).map(({ position, score }) => ({ ...hits[position]!, score }));
  }

  /** One request for one batch: the validated scores, positions relative to the batch. */
  private async attempt(query: string, texts: string[], want: number, deadlineAt: number, deadline: AbortSignal, signal: AbortSignal): Promise<Scored[]> {
    const operation = `reranking ${texts.length} documents with ${this.model}`;
    const remaining = deadlineAt - this.clock.now();
    if (remaining <= 0 || deadline.aborted) throw markLocal(new AppError('DEADLINE_EXCEEDED', `the request deadline passed before ${operation}`));
    const body =
      this.flavor === 'jina'
        ? { model: this.model, query, documents: texts, top_n: want, return_documents: false }
        : { query, texts, truncate: this.truncate, raw_scores: false, return_text: false };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;

    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      const response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      throw this.transportError(error, operation, deadline);
    }
    if (status < 200 || status > 299) throw this.httpError(status, text, responseHeaders, operation);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AppError('UPSTREAM_FAILED', `${operation} at ${this.url} returned invalid JSON: ${(error as Error).message}`, undefined, { cause: error });
    }
    return this.resultsOf(parsed, texts.length, want, operation);
  }

  private resultsOf(parsed: unknown, count: number, want: number, operation: string): Scored[] {
    const fail = (why: string): never => {
      throw new AppError('UPSTREAM_FAILED', `${operation} at ${this.url} returned a malformed response: ${why}`);
    };
    const scoreKey = this.flavor === 'jina' ? 'relevance_score' : 'score';
    const list = this.flavor === 'jina' ? (parsed as { results?: unknown } | null)?.results : parsed;
    if (!Array.isArray(list)) return fail(this.flavor === 'jina' ? 'no `results` array' : 'the body is not an array of ranks');
    if (list.length !== want) return fail(`${list.length} results for ${want} documents asked for`);
    const seen = new Set<number>();
    const out: Scored[] = [];
    for (const item of list as unknown[]) {
      const index = (item as { index?: unknown } | null)?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) return fail(`result index ${String(index)} outside 0..${count - 1}`);
      if (seen.has(index)) return fail(`result index ${index} appears twice`);
      seen.add(index);
      const score = (item as Record<string, unknown>)[scoreKey];
      if (typeof score !== 'number' || !Number.isFinite(score)) return fail(`result ${index} has no numeric ${scoreKey}`);
      out.push({ position: index, score });
    }
    return out;
  }

  private transportError(error: unknown, operation: string, deadline: AbortSignal): AppError {
    if (deadline.aborted) return new AppError('DEADLINE_EXCEEDED', `the request deadline passed while ${operation} at ${this.url}`, undefined, { cause: error });
    if (error instanceof Error && error.name === 'AbortError') {
      // Aborted because a sibling batch failed; that failure is what the caller sees (and what the breaker counts).
      return markLocal(new AppError('UPSTREAM_FAILED', `${operation} at ${this.url} was cancelled`, undefined, { cause: error }));
    }
    const code = socketCodeOf(error);
    if (code !== undefined && UNREACHABLE_SOCKET_CODES.has(code)) {
      return new AppError('UNAVAILABLE', `cannot reach the reranker for ${operation} at ${this.url} (${code}): check the base URL and that the server is up`, { socketCode: code }, { cause: error });
    }
    return markTransient(new AppError('UPSTREAM_FAILED', `the connection broke during ${operation} at ${this.url}${code ? ` (${code})` : ''}`, { socketCode: code }, { cause: error }));
  }

  private httpError(status: number, text: string, headers: Headers, operation: string): AppError {
    const [code, hint] = errorCodeForStatus(status);
    const details: Record<string, unknown> = { status };
    if (status === 429) {
      const retryAfterSeconds = retryAfterSecondsOf(headers, this.clock.now());
      if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
    }
    return new AppError(code, `${operation} at ${this.url} failed with HTTP ${status}: ${serverMessage(text)}${hint}`, details);
  }
}

/** The text a reranker scores: the title (when there is one) gives the passage its context, as in the prompt. */
function documentText(hit: ChunkHit): string {
  const title = hit.title?.replace(/\s+/g, ' ').trim();
  return title ? `${title}\n\n${hit.text}` : hit.text;
}

/** The error message from the shapes rerank servers use: OpenAI's `{error:{message}}`, TEI's `{error}`, FastAPI's `{detail}`. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    if (body.error && typeof body.error === 'object' && typeof (body.error as { message?: unknown }).message === 'string') return (body.error as { message: string }).message;
    for (const value of [body.error, body.message, body.detail]) if (typeof value === 'string' && value) return value;
    if (body.detail !== undefined) return JSON.stringify(body.detail).slice(0, 500);
  } catch {
    // not JSON: use the text as it is
  }
  return text.slice(0, 500) || '(empty body)';
}
