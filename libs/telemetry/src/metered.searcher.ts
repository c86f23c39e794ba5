import type { AppError, ChunkHit, RequestContext, SearchReply, SearchRequest } from '@ragops/contracts';
import type { RerankOutcome, Searcher } from '@ragops/rag';
import { isDeadlineExceeded, monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

type RetrievalMetrics = Pick<
  ServiceMetrics,
  'stageDuration' | 'timeouts' | 'retrievalHits' | 'retrievalEmpty' | 'retrievalDuplicates' | 'retrievalScore' | 'rerank'
>;

type Scorer = 'bm25' | 'dense' | 'rrf' | 'rerank';

/**
 * The retrieval service's view of one search, per variant: hits returned, empty results, duplicate chunks (hits whose
 * text an earlier hit already has), the score of every hit under the scorer that produced it, and the stages inside
 * (query embedding, vector search, rerank) from the reply's timings. Counters are incremented by 0 when nothing
 * happened, so each variant's series exist from its first search and a rate reads 0 rather than absent.
 */
export class MeteredSearcher implements Searcher {
  /**
   * @param rerank the meter given to the Retriever's `observeRerank`, when there is one: it tells which searches were
   *   really reranked, so their hits count under the `rerank` scorer and fallbacks under the fused one.
   */
  constructor(
    private readonly inner: Searcher,
    private readonly metrics: RetrievalMetrics,
    private readonly rerank?: RerankMeter,
    private readonly now: Now = monotonicNow,
  ) {}

  async search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply> {
    const started = this.now();
    let reply: SearchReply;
    try {
      reply = await this.inner.search(request, ctx);
    } catch (error) {
      if (isDeadlineExceeded(error)) this.metrics.timeouts.inc({ stage: 'retrieval' });
      throw error;
    } finally {
      this.metrics.stageDuration.observe({ stage: 'retrieval' }, (this.now() - started) / 1000);
    }
    this.record(reply, ctx);
    return reply;
  }

  private record(reply: SearchReply, ctx: RequestContext): void {
    const variant = ctx.variant.id;
    const { hits, timings } = reply;
    const m = this.metrics;
    m.retrievalHits.observe({ variant }, hits.length);
    m.retrievalEmpty.inc({ variant }, hits.length === 0 ? 1 : 0);
    m.retrievalDuplicates.inc({ variant }, duplicateCount(hits));
    const reranked = this.rerank ? this.rerank.outcomeOf(ctx) === 'applied' : ctx.variant.retrieval.rerank && timings.rerankMs !== undefined;
    const scorer = scorerOf(ctx, reranked);
    for (const hit of hits) m.retrievalScore.observe({ variant, scorer }, hit.score);
    // The sparse-only mode embeds nothing: its embedMs 0 is not an embedding stage.
    if (ctx.variant.retrieval.mode !== 'sparse') observeMs(m, 'embedding', timings.embedMs);
    observeMs(m, 'vector_search', timings.searchMs);
    observeMs(m, 'rerank', timings.rerankMs);
  }
}

/**
 * The Retriever's `observeRerank` hook (`observe`) as `ragops_retrieval_rerank_total{variant, outcome}`; a rerank
 * abandoned because the deadline ran out also counts as a `rerank` timeout. Remembers each request's outcome (by its
 * context object, so nothing outlives the request) for MeteredSearcher.
 */
export class RerankMeter {
  private readonly outcomes = new WeakMap<RequestContext, RerankOutcome>();

  constructor(private readonly metrics: Pick<ServiceMetrics, 'rerank' | 'timeouts'>) {}

  readonly observe = (outcome: RerankOutcome, error: AppError | undefined, ctx: RequestContext): void => {
    this.metrics.rerank.inc({ variant: ctx.variant.id, outcome });
    if (isDeadlineExceeded(error)) this.metrics.timeouts.inc({ stage: 'rerank' });
    this.outcomes.set(ctx, outcome);
  };

  outcomeOf(ctx: RequestContext): RerankOutcome | undefined {
    return this.outcomes.get(ctx);
  }
}

/** Hits whose text equals an earlier hit's: the same passage indexed twice (a copied document, a re-uploaded file). */
export function duplicateCount(hits: readonly Pick<ChunkHit, 'text'>[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const { text } of hits) {
    if (seen.has(text)) duplicates++;
    else seen.add(text);
  }
  return duplicates;
}

/**
 * Which score the hits carry: the reranker's relevance when it ran, else what the mode's search returns — BM25 for
 * sparse, cosine for dense, the RRF sum for hybrid (a hybrid query with no lexical terms is dense-only and still counts
 * as rrf here; such queries are rare).
 */
function scorerOf(ctx: RequestContext, reranked: boolean): Scorer {
  if (reranked) return 'rerank';
  const mode = ctx.variant.retrieval.mode;
  return mode === 'sparse' ? 'bm25' : mode === 'dense' ? 'dense' : 'rrf';
}

function observeMs(m: Pick<ServiceMetrics, 'stageDuration'>, stage: 'embedding' | 'vector_search' | 'rerank', ms: number | undefined): void {
  if (ms !== undefined && Number.isFinite(ms) && ms >= 0) m.stageDuration.observe({ stage }, ms / 1000);
}
