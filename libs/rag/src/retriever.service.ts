import { AppError, type Clock, type RequestContext, type SearchReply, type SearchRequest } from '@ragops/contracts';
import type { Embedder } from './ports/embedder.port.js';
import type { Reranker } from './ports/reranker.port.js';
import type { Searcher } from './ports/search.port.js';
import type { SparseEncoder } from './ports/sparse-encoder.port.js';
import type { VectorStore } from './ports/vector-store.port.js';

/** Candidates per leg go up to 1000 (RetrievalParams.candidates); the rerank pool follows the same bound. */
const MAX_RERANK_CANDIDATES = 1000;

/** How one search used the reranker: `skipped` when its variant has rerank off. */
export type RerankOutcome = 'applied' | 'skipped' | 'failed';

export interface RetrieverOptions {
  /** Second stage for variants with `retrieval.rerank`: reorders the fused candidates by a cross-encoder's relevance. */
  reranker?: Reranker;
  /**
   * Fused hits handed to the reranker, of which it keeps topK. More candidates give the reranker more to promote
   * (and cost more: each is one cross-encoder pass). Default 50; never fewer than topK.
   */
  rerankCandidates?: number;
  /**
   * What a failed rerank does (or a variant asking for rerank where no reranker is configured): `fallback` (default)
   * answers with the fused order cut to topK — retrieval still works, just less precise; `fail` fails the search.
   */
  onRerankError?: 'fallback' | 'fail';
  /**
   * Told how each search used the reranker, with the error when it failed and the request's context (its variant labels
   * the ragops_retrieval_rerank_total metric).
   */
  observeRerank?: (outcome: RerankOutcome, error: AppError | undefined, ctx: RequestContext) => void;
}

/**
 * Hybrid retrieval for one request: embed the query (dense leg) and encode it lexically (sparse leg) as the
 * variant's mode asks, then let the store fuse both with RRF — the same shape as Qdrant's Query API, so the
 * in-memory and Qdrant stores answer the same call. When the variant asks for rerank, `rerankCandidates` fused hits
 * are fetched and the reranker picks the topK.
 */
export class Retriever implements Searcher {
  private readonly reranker: Reranker | undefined;
  private readonly rerankCandidates: number;
  private readonly onRerankError: 'fallback' | 'fail';
  private readonly observeRerank: (outcome: RerankOutcome, error: AppError | undefined, ctx: RequestContext) => void;

  constructor(
    private readonly store: VectorStore,
    private readonly embedder: Embedder,
    private readonly sparse: SparseEncoder,
    private readonly clock: Clock,
    options: RetrieverOptions = {},
  ) {
    const rerankCandidates = options.rerankCandidates ?? 50;
    if (!Number.isInteger(rerankCandidates) || rerankCandidates < 1 || rerankCandidates > MAX_RERANK_CANDIDATES) {
      throw new AppError('VALIDATION_FAILED', `rerankCandidates must be an integer in 1..${MAX_RERANK_CANDIDATES}, got ${rerankCandidates}`);
    }
    this.reranker = options.reranker;
    this.rerankCandidates = rerankCandidates;
    this.onRerankError = options.onRerankError ?? 'fallback';
    this.observeRerank = options.observeRerank ?? (() => undefined);
  }

  async search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply> {
    const params = ctx.variant.retrieval;
    const topK = request.topK ?? params.topK;
    // The store returns this many fused hits: topK, or the larger pool the reranker cuts down to topK.
    const fetchK = params.rerank ? Math.max(topK, this.rerankCandidates) : topK;
    const t0 = this.clock.now();
    const dense = params.mode === 'sparse' ? undefined : (await this.embedder.embed([request.query], 'query', ctx))[0];
    const t1 = this.clock.now();
    const encoded = params.mode === 'dense' ? undefined : this.sparse.encodeQuery(request.query);
    // A query of only stop words has no lexical terms; the dense leg alone answers it (or nothing does).
    const sparse = encoded && encoded.indices.length > 0 ? encoded : undefined;
    if (!dense && !sparse) return { index: ctx.variant.index, hits: [], timings: { embedMs: t1 - t0, searchMs: 0 } };
    const hits = await this.store.search(ctx.variant.index, {
      tenant: ctx.tenant,
      dense,
      sparse,
      topK: fetchK,
      candidates: Math.max(params.candidates, fetchK),
      rrfK: params.rrfK,
      filter: request.filter,
    });
    const t2 = this.clock.now();
    const timings = { embedMs: t1 - t0, searchMs: t2 - t1 };
    if (!params.rerank) {
      this.observeRerank('skipped', undefined, ctx);
      return { index: ctx.variant.index, hits, timings };
    }
    try {
      if (!this.reranker) {
        throw new AppError('UNAVAILABLE', `variant '${ctx.variant.id}' asks for rerank but no reranker is configured`, { variant: ctx.variant.id });
      }
      const reranked = await this.reranker.rerank(request.query, hits, topK, ctx);
      this.observeRerank('applied', undefined, ctx);
      return { index: ctx.variant.index, hits: reranked, timings: { ...timings, rerankMs: this.clock.now() - t2 } };
    } catch (error) {
      const appError = error instanceof AppError ? error : new AppError('INTERNAL', `rerank failed: ${String(error)}`, undefined, { cause: error });
      this.observeRerank('failed', appError, ctx);
      if (this.onRerankError === 'fail') throw appError;
      return { index: ctx.variant.index, hits: hits.slice(0, topK), timings: { ...timings, rerankMs: this.clock.now() - t2 } };
    }
  }
}
