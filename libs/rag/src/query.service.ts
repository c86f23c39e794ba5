import {
  AppError,
  type Citation,
  type Clock,
  type GenerateReply,
  type RequestContext,
  type SearchFilter,
  type SearchReply,
  type TokenUsage,
} from '@ragops/contracts';
import { errorCodeOf, type InteractionRecorder } from './interaction.recorder.js';
import type { AnswerGenerator } from './ports/answer-generator.port.js';
import type { Searcher } from './ports/search.port.js';

export interface QueryInput {
  query: string;
  /** Defaults to the variant's topK (the searcher applies it). */
  topK?: number;
  filter?: SearchFilter;
}

/** The release that answered: caches and evaluation key on these parts. */
export interface QueryVariant {
  id: string;
  prompt: string;
  model: string;
  index: string;
}

export interface QueryTimings {
  retrievalMs: number;
  generationMs: number;
  totalMs: number;
}

export interface QueryResult {
  answer: string;
  citations: Citation[];
  finishReason: GenerateReply['finishReason'];
  usage: TokenUsage;
  /** USD, from the generation service's price table; absent when the model has no price (or costs nothing). */
  costUsd?: number;
  variant: QueryVariant;
  /**
   * The model that actually wrote the answer. Usually `variant.model`; differs when the generator fell back
   * (e.g. to the extractive generator after the LLM failed), which is worth seeing per response.
   */
  model: string;
  timings: QueryTimings;
  /** Chunks retrieved and handed to the generator. */
  hits: number;
}

/** A search reply with the end-to-end time of the call added to the searcher's own timings. */
export type TimedSearchReply = SearchReply & { timings: SearchReply['timings'] & { totalMs: number } };

/**
 * One RAG query: retrieve, then generate, both bounded by the context's single deadline (the ports take their
 * timeouts from `ctx.deadline`). Checking the deadline between the steps means a slow retrieval fails fast as
 * DEADLINE_EXCEEDED instead of starting a generation that has no time left.
 */
export class QueryService {
  constructor(
    private readonly searcher: Searcher,
    private readonly generator: AnswerGenerator,
    private readonly clock: Clock,
    /** Emits one interaction record per query, off the request path; none without it. */
    private readonly interactions?: InteractionRecorder,
  ) {}

  async query(req: QueryInput, ctx: RequestContext): Promise<QueryResult> {
    if (!this.interactions) return this.answer(req, ctx);
    const recorder = this.interactions;
    const { startedAt, traceId } = recorder.start();
    const base = { ctx, query: req.query, filtered: req.filter !== undefined, startedAt, ...(traceId ? { traceId } : {}) };
    const seen: Seen = {};
    try {
      const result = await this.answer(req, ctx, seen);
      const { retrievalMs, generationMs, totalMs } = result.timings;
      recorder.record({ ...base, search: seen.search, reply: seen.reply, retrievalMs, generationMs, totalMs });
      return result;
    } catch (err) {
      const stage = seen.search ? 'generation' : 'retrieval';
      const totalMs = this.clock.now() - startedAt;
      recorder.record({ ...base, search: seen.search, retrievalMs: seen.retrievalMs, totalMs, error: { code: errorCodeOf(err), stage } });
      throw err;
    }
  }

  private async answer(req: QueryInput, ctx: RequestContext, seen?: Seen): Promise<QueryResult> {
    const start = this.clock.now();
    ensureTimeLeft(ctx, start, 'retrieval');
    const found = await this.searcher.search(searchRequest(req), ctx);
    const retrieved = this.clock.now();
    if (seen) {
      seen.search = found;
      seen.retrievalMs = retrieved - start;
    }
    ensureTimeLeft(ctx, retrieved, 'generation');
    // The prompt itself travels back only when interaction records may store it (INTERACTION_CONTENT=full).
    const input = this.interactions?.content === 'full' ? { query: req.query, chunks: found.hits, includePrompt: true } : { query: req.query, chunks: found.hits };
    const reply = await this.generator.generate(input, ctx);
    if (seen) seen.reply = reply;
    const end = this.clock.now();
    const v = ctx.variant;
    return {
      answer: reply.answer,
      citations: reply.citations,
      finishReason: reply.finishReason,
      usage: reply.usage,
      ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
      variant: { id: v.id, prompt: v.prompt, model: v.model, index: v.index },
      model: reply.model,
      timings: { retrievalMs: retrieved - start, generationMs: end - retrieved, totalMs: end - start },
      hits: found.hits.length,
    };
  }

  /** Retrieval only, passed through to the searcher; `timings.totalMs` is what the caller waited. */
  async search(req: QueryInput, ctx: RequestContext): Promise<TimedSearchReply> {
    const start = this.clock.now();
    ensureTimeLeft(ctx, start, 'retrieval');
    const reply = await this.searcher.search(searchRequest(req), ctx);
    return { ...reply, timings: { ...reply.timings, totalMs: this.clock.now() - start } };
  }
}

/** What a query produced so far, for its interaction record (also when a later step fails). */
interface Seen {
  search?: SearchReply;
  retrievalMs?: number;
  reply?: GenerateReply;
}

function searchRequest(req: QueryInput) {
  // Only the keys that are set: the search request schema is strict and travels over NATS as JSON.
  const out: { query: string; topK?: number; filter?: SearchFilter } = { query: req.query };
  if (req.topK !== undefined) out.topK = req.topK;
  if (req.filter !== undefined) out.filter = req.filter;
  return out;
}

function ensureTimeLeft(ctx: RequestContext, now: number, step: string): void {
  if (now >= ctx.deadline) {
    throw new AppError(
      'DEADLINE_EXCEEDED',
      `request deadline passed before ${step} (${now - ctx.deadline} ms late); retry, or raise the gateway's REQUEST_TIMEOUT_MS`,
      { step, deadline: ctx.deadline },
    );
  }
}
