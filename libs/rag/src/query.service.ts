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
  ) {}

  async query(req: QueryInput, ctx: RequestContext): Promise<QueryResult> {
    const start = this.clock.now();
    ensureTimeLeft(ctx, start, 'retrieval');
    const found = await this.searcher.search(searchRequest(req), ctx);
    const retrieved = this.clock.now();
    ensureTimeLeft(ctx, retrieved, 'generation');
    const reply = await this.generator.generate({ query: req.query, chunks: found.hits }, ctx);
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
